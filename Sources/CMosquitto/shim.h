#ifndef VITALGATE_CMOSQUITTO_SHIM_H
#define VITALGATE_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
