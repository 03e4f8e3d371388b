#ifndef VITALGATE_CCURL_SHIM_H
#define VITALGATE_CCURL_SHIM_H
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

/* libcurl is loaded with dlopen on the first request, not linked: linked, it
   pulled 38 shared libraries (gnutls, krb5, ldap, ssh2, ...) into every agent
   at start-up, 5.6 MiB resident (docs/performance.md), although only a
   gateway with a clinic_url ever sends HTTP. The soname is libcurl's ABI 4
   (the one libcurl4-openssl-dev's headers describe). These functions are only
   called from CurlHTTP.swift, so the statics below exist once. */
struct vg_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *curl);
    CURLcode (*easy_perform)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
};
struct vg_curl_state {
    struct vg_curl_api api;
    const char *error;
    pthread_once_t once;
};
/* Function-local static: Swift's Clang importer emits inline functions it
   calls but not file-scope static variables (measured: undefined reference). */
static inline struct vg_curl_state *vg_curl_state(void) {
    static struct vg_curl_state state = { .error = "libcurl was not loaded", .once = PTHREAD_ONCE_INIT };
    return &state;
}
#define vg_curl (vg_curl_state()->api)

static void vg_curl_load_once(void) {
    struct vg_curl_state *s = vg_curl_state();
    void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { s->error = dlerror(); return; }
#define VG_CURL_SYM(field, name) \
    if (!(*(void **)&s->api.field = dlsym(lib, name))) { s->error = "libcurl.so.4 lacks " name; return; }
    VG_CURL_SYM(global_init, "curl_global_init")
    VG_CURL_SYM(easy_init, "curl_easy_init")
    VG_CURL_SYM(easy_cleanup, "curl_easy_cleanup")
    VG_CURL_SYM(easy_perform, "curl_easy_perform")
    VG_CURL_SYM(easy_strerror, "curl_easy_strerror")
    VG_CURL_SYM(easy_setopt, "curl_easy_setopt")
    VG_CURL_SYM(easy_getinfo, "curl_easy_getinfo")
    VG_CURL_SYM(slist_append, "curl_slist_append")
    VG_CURL_SYM(slist_free_all, "curl_slist_free_all")
#undef VG_CURL_SYM
    s->error = NULL;
}

/* Loads libcurl once (thread-safe); NULL when loaded, else why not. The
   other vg_curl_* functions may only be called after it returned NULL. */
static inline const char *vg_curl_load(void) {
    pthread_once(&vg_curl_state()->once, vg_curl_load_once);
    return vg_curl_state()->error;
}

static inline CURLcode vg_curl_global_init(long flags) { return vg_curl.global_init(flags); }
static inline CURL *vg_curl_easy_init(void) { return vg_curl.easy_init(); }
static inline void vg_curl_easy_cleanup(CURL *curl) { vg_curl.easy_cleanup(curl); }
static inline CURLcode vg_curl_easy_perform(CURL *curl) { return vg_curl.easy_perform(curl); }
static inline const char *vg_curl_easy_strerror(CURLcode code) { return vg_curl.easy_strerror(code); }
static inline struct curl_slist *vg_curl_slist_append(struct curl_slist *list, const char *line) {
    return vg_curl.slist_append(list, line);
}
static inline void vg_curl_slist_free_all(struct curl_slist *list) { vg_curl.slist_free_all(list); }

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
   call: one typed wrapper per argument type (curl/curl.h documents the type
   each option takes). */
static inline CURLcode vg_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    return vg_curl.easy_setopt(curl, option, value);
}
static inline CURLcode vg_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return vg_curl.easy_setopt(curl, option, value);
}
static inline CURLcode vg_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return vg_curl.easy_setopt(curl, option, value);
}
static inline CURLcode vg_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value) {
    return vg_curl.easy_setopt(curl, option, value);
}
typedef size_t (*vg_curl_write_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode vg_curl_setopt_write_function(CURL *curl, vg_curl_write_callback callback) {
    return vg_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, callback);
}
typedef int (*vg_curl_progress_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode vg_curl_setopt_progress_function(CURL *curl, vg_curl_progress_callback callback) {
    return vg_curl.easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, callback);
}
static inline CURLcode vg_curl_response_code(CURL *curl, long *code) {
    return vg_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
}
#endif
