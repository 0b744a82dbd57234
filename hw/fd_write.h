/* Writing a whole buffer to a host fd, for the console and the progress line, which share the
 * terminal and may run in signal handlers. Async-signal-safe (write and poll only). */
#ifndef HW_FD_WRITE_H
#define HW_FD_WRITE_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

/* Retries on EINTR and partial writes, and waits in poll when a non-blocking fd is full.
 * Returns false on any other error (a closed pipe, a terminal that is gone): the rest is
 * lost. */
static inline bool fd_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
                return false;
            }
        } else {
            return false;
        }
    }
    return true;
}

#endif
