/* The human monitor, QEMU's HMP subset plus TLB views: `info registers [-a]`, `info cpus`,
 * `info tlb [N]`, `info mem`, `info mtree`, `info flush`, `x`/`xp`, `cpu N`, `stop`, `cont`,
 * `system_reset`, `quit`, `help`. Backends: a socket (`-monitor unix:PATH,server,nowait`,
 * `-monitor tcp:HOST:PORT,server,nowait`) served by a monitor thread, and GDB's
 * `monitor CMD` (qRcmd) through monitor_execute.
 * Owns: the listening socket, its connection and thread, the selected hart.
 * Threads: monitor_execute runs on any thread that is not a vCPU thread. Read-only commands do
 * not stop the guest: what belongs to a hart (registers, TLB, page tables, virtual memory) is
 * read on that hart's own thread through queued work, never racily from outside. */
#ifndef HW_MONITOR_H
#define HW_MONITOR_H

#include <stdio.h>

#include "hw/machine.h"
#include "util/error.h"

/* Runs one command line and writes its output (and any error) to out. */
void monitor_execute(Machine *m, const char *line, FILE *out);

/* spec: "unix:PATH,server,nowait", "tcp:[HOST]:PORT,server,nowait" (QEMU's newer
 * "server=on,wait=off" too), or "none". Returns 0, or -1 with *errp set. */
int monitor_start(Machine *m, const char *spec, Error **errp);
/* Closes the socket and joins the thread; harmless if not started. Commands waiting for a
 * hart that no longer runs give up with an error line. */
void monitor_stop(void);

#endif
