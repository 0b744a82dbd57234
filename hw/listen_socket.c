/* Listening sockets for the debugger and monitor backends (see hw/listen_socket.h). */
#include "hw/listen_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int listen_socket_open(const char *spec, const char *opt, char *unix_path,
                       size_t unix_path_size, Error **errp)
{
    const char *s = spec;
    if (strncmp(s, "unix:", 5) == 0) {
        const char *path = s + 5;
        size_t end = strcspn(path, ",");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (end == 0 || end >= sizeof(sa.sun_path)) {
            error_setg(errp, "%s %s: bad socket path", opt, spec);
            return -1;
        }
        memcpy(sa.sun_path, path, end);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
            error_setg(errp, "%s %s: cannot listen: %s", opt, spec, strerror(errno));
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        snprintf(unix_path, unix_path_size, "%s", sa.sun_path);
        return fd;
    }
    if (strncmp(s, "tcp:", 4) == 0) {
        s += 4;
    }
    char host[256] = "127.0.0.1";
    const char *colon = strrchr(s, ':');
    const char *port = s;
    if (colon) {
        size_t hl = (size_t)(colon - s);
        if (hl >= sizeof(host)) {
            error_setg(errp, "%s %s: host name too long", opt, spec);
            return -1;
        }
        if (hl) {
            memcpy(host, s, hl);
            host[hl] = '\0';
        }
        port = colon + 1;
    }
    char *endp;
    long pn = strtol(port, &endp, 10);
    if (!*port || *endp || pn < 0 || pn > 65535) {
        error_setg(errp, "%s %s: bad port (want tcp::PORT, tcp:HOST:PORT or unix:PATH)", opt,
                   spec);
        return -1;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai;
    int grc = getaddrinfo(host, port, &hints, &ai);
    if (grc != 0) {
        error_setg(errp, "%s %s: %s", opt, spec, gai_strerror(grc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        error_setg(errp, "%s %s: cannot listen: %s", opt, spec, strerror(err));
    }
    return fd;
}


int socket_server_start(SocketServer *s, const char *spec, const char *opt,
                        void *(*fn)(void *), void *arg, Error **errp)
{
    int pipe_fds[2];
    s->listen_fd = listen_socket_open(spec, opt, s->unix_path, sizeof(s->unix_path), errp);
    if (s->listen_fd < 0) {
        return -1;
    }
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        error_setg(errp, "%s: %s", opt, strerror(errno));
        goto fail_listen;
    }
    s->wake_fd = pipe_fds[0];
    s->wake_write_fd = pipe_fds[1];
    int rc = pthread_create(&s->thread, NULL, fn, arg);
    if (rc != 0) {
        error_setg(errp, "%s: cannot start its thread: %s", opt, strerror(rc));
        close(s->wake_fd);
        close(s->wake_write_fd);
        s->wake_fd = s->wake_write_fd = -1;
        goto fail_listen;
    }
    s->started = true;
    return 0;

fail_listen:
    close(s->listen_fd);
    s->listen_fd = -1;
    if (s->unix_path[0]) {
        unlink(s->unix_path);
        s->unix_path[0] = '\0';
    }
    return -1;
}

void socket_server_stop(SocketServer *s)
{
    if (!s->started) {
        return;
    }
    if (write(s->wake_write_fd, "x", 1) < 0) {
        /* the pipe is empty and open: cannot fail */
    }
    pthread_join(s->thread, NULL);
    s->started = false;
    close(s->wake_fd);
    close(s->wake_write_fd);
    close(s->listen_fd);
    s->wake_fd = s->wake_write_fd = s->listen_fd = -1;
    if (s->unix_path[0]) {
        unlink(s->unix_path);
        s->unix_path[0] = '\0';
    }
}

int socket_server_accept(SocketServer *s)
{
    for (;;) {
        struct pollfd pfd[2] = { { .fd = s->listen_fd, .events = POLLIN },
                                 { .fd = s->wake_fd, .events = POLLIN } };
        if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
            return -1;
        }
        if (pfd[1].revents) {
            return -1;
        }
        if (pfd[0].revents & POLLIN) {
            int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                return fd;
            }
        }
    }
}
