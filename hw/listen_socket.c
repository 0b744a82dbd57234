/* Listening sockets for the debugger and monitor backends (see hw/listen_socket.h). */
#include "hw/listen_socket.h"

#include <errno.h>
#include <netdb.h>
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

