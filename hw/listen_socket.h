/* Listening sockets for the gdbstub and the monitor: QEMU's "tcp:HOST:PORT" (HOST empty:
 * 127.0.0.1, never every interface by default), a bare "PORT", "unix:PATH" (anything after a
 * ',' in PATH is left to the caller's options).
 * Callers: the main thread at start-up. Locking: none. */
#ifndef HW_LISTEN_SOCKET_H
#define HW_LISTEN_SOCKET_H

#include <stddef.h>

#include "util/error.h"

/* Opens and listens (backlog 1, close-on-exec). `opt` names the option in errors ("-gdb").
 * For a Unix socket its path is copied to unix_path (for unlinking at exit), else unix_path
 * is left as it was. Returns the fd, or -1 with *errp set. */
int listen_socket_open(const char *spec, const char *opt, char *unix_path,
                       size_t unix_path_size, Error **errp);

#endif
