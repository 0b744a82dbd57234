/* Listening sockets for the gdbstub and the monitor: QEMU's "tcp:HOST:PORT" (HOST empty:
 * 127.0.0.1, never every interface by default), a bare "PORT", "unix:PATH" (anything after a
 * ',' in PATH is left to the caller's options).
 * Callers: the main thread at start-up. Locking: none. */
#ifndef HW_LISTEN_SOCKET_H
#define HW_LISTEN_SOCKET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Opens and listens (backlog 1, close-on-exec). `opt` names the option in errors ("-gdb").
 * For a Unix socket its path is copied to unix_path (for unlinking at exit), else unix_path
 * is left as it was. Returns the fd, or -1 with *errp set. */
int listen_socket_open(const char *spec, const char *opt, char *unix_path,
                       size_t unix_path_size, Error **errp);

/* A listening socket with a thread serving it (the gdbstub's, the monitor's). The thread
 * polls `wake_fd` next to its sockets and returns when it becomes readable. */
typedef struct SocketServer {
    int listen_fd;                /* -1 when not started */
    int wake_fd;                  /* read end of the stop pipe, for the thread's poll */
    int wake_write_fd;
    char unix_path[108];          /* removed at stop; empty for TCP */
    pthread_t thread;
    bool started;
} SocketServer;

#define SOCKET_SERVER_INIT { .listen_fd = -1, .wake_fd = -1, .wake_write_fd = -1 }

/* Opens spec (as listen_socket_open, errors naming opt) and starts fn(arg) on a new thread.
 * Returns 0, or -1 with *errp set and nothing left open. */
int socket_server_start(SocketServer *s, const char *spec, const char *opt,
                        void *(*fn)(void *), void *arg, Error **errp);
/* The server thread: waits for the next connection and returns its fd (close-on-exec), or
 * -1 once socket_server_stop asked the thread to end (or polling failed). */
int socket_server_accept(SocketServer *s);
/* Wakes the thread, joins it, closes everything, removes a Unix socket. Harmless if not
 * started. */
void socket_server_stop(SocketServer *s);

#endif
