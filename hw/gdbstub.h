/* GDB remote stub (QEMU's -s, -S, -gdb): one debugger connection, one GDB thread per hart,
 * all-stop. Owns the listening socket, the connection and the stub thread; stops and resumes
 * the vCPUs through sync/vm_stop.h and sets breakpoints and steps through accel/vcpu.h.
 * Callers: the main thread starts it before the vCPUs and stops it after they are joined.
 * Locking: none shared; the stub thread is the only one touching the connection, and it
 * touches hart state only while every vCPU is parked. */
#ifndef HW_GDBSTUB_H
#define HW_GDBSTUB_H

#include "hw/machine.h"
#include "util/error.h"

/* spec: "tcp::PORT" (127.0.0.1), "tcp:HOST:PORT", "PORT" (as tcp::PORT) or "unix:PATH".
 * Opens the listening socket and starts the stub thread. Returns 0, or -1 with *errp set
 * (bad spec, address in use, ...). */
int gdbstub_start(Machine *m, const char *spec, Error **errp);
/* Closes the connection and the socket, joins the thread. Harmless if not started. */
void gdbstub_stop(void);

#endif
