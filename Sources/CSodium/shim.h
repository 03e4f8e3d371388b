#ifndef VITALGATE_CSODIUM_SHIM_H
#define VITALGATE_CSODIUM_SHIM_H
#include <sodium.h>
#endif
