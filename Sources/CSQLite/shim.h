#ifndef VITALGATE_CSQLITE_SHIM_H
#define VITALGATE_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer (sqlite3.h), which
// Swift does not import. Binding with it makes SQLite copy the bytes before
// sqlite3_bind_* returns, so Swift buffers may be released right after.
static inline sqlite3_destructor_type vg_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
#endif
