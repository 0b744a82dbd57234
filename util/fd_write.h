/* Writing a whole buffer to a host fd, for the console and the progress line, which share the
 * terminal and may run in signal handlers. Async-signal-safe (write and poll only). */
#ifndef UTIL_FD_WRITE_H
#define UTIL_FD_WRITE_H

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

/* Like fd_write_all, but waits for room in fd with poll before each write: it gives up with
 * errno ECANCELED as soon as abort_fd becomes readable (an eventfd written once and never
 * drained; -1 for none), and with ETIMEDOUT when one wait lasts timeout_ms (-1: no limit).
 * A write can still block when another writer fills fd between the poll and the write; for
 * the short writes here that needs a second writer on the same pipe. */
static inline bool fd_write_polled(int fd, const void *buf, size_t len, int abort_fd,
                                   int timeout_ms)
{
    const uint8_t *p = buf;
    while (len > 0) {
        struct pollfd pfd[2] = { { .fd = fd, .events = POLLOUT },
                                 { .fd = abort_fd, .events = POLLIN } };
        int r = poll(pfd, 2, timeout_ms);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return false;
        }
        if (pfd[1].revents) {
            errno = ECANCELED;
            return false;
        }
        if (r == 0) {
            errno = ETIMEDOUT;
            return false;
        }
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) {
            continue;
        } else {
            return false;
        }
    }
    return true;
}

/* The console's writes: wait for room as long as it takes, unless abort_fd fires. */
static inline bool fd_write_unless(int fd, const void *buf, size_t len, int abort_fd)
{
    return fd_write_polled(fd, buf, len, abort_fd, -1);
}

/* For messages that must not hold up an exit: each wait for room lasts at most timeout_ms. */
static inline bool fd_write_within(int fd, const void *buf, size_t len, int timeout_ms)
{
    return fd_write_polled(fd, buf, len, -1, timeout_ms);
}

#endif
