#include "hw/host_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fd_write.h"

/* Clears O_NONBLOCK, which the open used only so that opening a FIFO cannot wait. */
static int make_blocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        return -errno;
    }
    return 0;
}

int host_file_open_input(const char *path, int flags, struct stat *st)
{
    int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        return -errno;
    }
    int rc = fstat(fd, st) == 0 ? make_blocking(fd) : -errno;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

struct OutputFile {
    char *label;            /* "<label><path>" as the messages quote it */
    char *path;             /* as the user named it */
    enum output_mode mode;
    bool replace;           /* OUTPUT_WHOLE to a regular or new file: temporary + rename */
    int fd;                 /* written in place: the open target; -1 when replace */
    bool truncate_after;    /* in place onto a regular file: cut it to what was written */
    FILE *stream;
    char *buf;              /* OUTPUT_WHOLE: the memory stream's contents */
    size_t len;
};

__attribute__((format(printf, 3, 4)))
static int out_error(const OutputFile *out, Error **errp, const char *fmt, ...)
{
    char *reason = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&reason, fmt, ap);
    va_end(ap);
    error_setg(errp, "%s: %s", out->label, n < 0 ? "out of memory" : reason);
    free(reason);
    return -EINVAL;
}

static void out_free(OutputFile *out)
{
    if (out->fd >= 0) {
        close(out->fd);
    }
    free(out->buf);
    free(out->label);
    free(out->path);
    free(out);
}

/* The directory a new file at path would go into, checked for creating files (as the
 * effective user, so that root passes where root may write). */
static int check_directory_writable(const char *path)
{
    char *copy = strdup(path);
    if (!copy) {
        return -ENOMEM;
    }
    char *slash = strrchr(copy, '/');
    const char *dir = ".";
    if (slash == copy) {
        dir = "/";
    } else if (slash) {
        *slash = '\0';
        dir = copy;
    }
    int rc = faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0 ? 0 : -errno;
    free(copy);
    return rc;
}

static int open_in_place(OutputFile *out, Error **errp)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    if (out->mode == OUTPUT_STREAM) {
        flags |= O_TRUNC;
    }
    out->fd = open(out->path, flags, 0666);
    if (out->fd < 0) {
        int e = errno;
        struct stat st;
        if (e == ENXIO && stat(out->path, &st) == 0 && S_ISFIFO(st.st_mode)) {
            out_error(out, errp, "a FIFO that no process has open for reading");
        } else {
            out_error(out, errp, "%s", strerror(e));
        }
        return -e;
    }
    struct stat st;
    int rc = fstat(out->fd, &st) == 0 ? make_blocking(out->fd) : -errno;
    if (rc < 0) {
        out_error(out, errp, "%s", strerror(-rc));
        return rc;
    }
    out->truncate_after = out->mode == OUTPUT_WHOLE && S_ISREG(st.st_mode);
    return 0;
}

OutputFile *output_file_open(const char *label, const char *path, enum output_mode mode,
                             Error **errp)
{
    OutputFile *out = calloc(1, sizeof(*out));
    char *quoted = NULL;
    if (out && asprintf(&quoted, "%s%s", label, path) < 0) {
        quoted = NULL;   /* asprintf leaves it undefined on failure */
    }
    if (!out || !quoted || !(out->path = strdup(path))) {
        free(quoted);
        free(out);
        error_setg(errp, "%s%s: out of memory", label, path);
        return NULL;
    }
    out->label = quoted;
    out->fd = -1;
    out->mode = mode;

    struct stat lst;
    int rc = 0;
    if (lstat(path, &lst) != 0) {
        if (errno != ENOENT) {
            rc = -errno;
        } else if (mode == OUTPUT_WHOLE) {
            rc = check_directory_writable(path);
            out->replace = true;
        } else {
            rc = open_in_place(out, errp);
        }
    } else if (S_ISDIR(lst.st_mode)) {
        rc = -EISDIR;
    } else if (S_ISREG(lst.st_mode) && mode == OUTPUT_WHOLE &&
               check_directory_writable(path) == 0) {
        /* Replaced by rename at commit: the file itself must be writable too, or the user
         * could not have overwritten it. */
        rc = faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 ? 0 : -errno;
        out->replace = true;
    } else {
        /* A device node, a FIFO, a symbolic link, or a regular file in a directory where no
         * temporary file can be made: written where it is. */
        rc = open_in_place(out, errp);
    }
    if (rc == 0) {
        out->stream = mode == OUTPUT_WHOLE ? open_memstream(&out->buf, &out->len)
                                           : fdopen(out->fd, "w");
        if (!out->stream) {
            rc = -errno;
        } else if (mode == OUTPUT_STREAM) {
            out->fd = -1;   /* the stream owns it now */
        }
    }
    if (rc != 0) {
        out_error(out, errp, "%s", strerror(-rc));   /* no-op if open_in_place said why */
        out_free(out);
        return NULL;
    }
    return out;
}

FILE *output_file_stream(OutputFile *out)
{
    return out->stream;
}

/* Writes the memory stream's contents into a new file beside the target and renames it over
 * the target; the new file takes the mode of the file it replaces. */
static int replace_whole(OutputFile *out)
{
    char *tmp = NULL;
    int fd = -1;
    for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
        free(tmp);
        if (asprintf(&tmp, "%s.tmp.%ld.%u", out->path, (long)getpid(), attempt) < 0) {
            return -ENOMEM;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) {
            int e = errno;
            free(tmp);
            return -e;
        }
    }
    if (fd < 0) {
        free(tmp);
        return -EEXIST;
    }
    int rc = 0;
    struct stat old;
    if (lstat(out->path, &old) == 0 && S_ISREG(old.st_mode) &&
        fchmod(fd, old.st_mode & 07777) != 0) {
        rc = -errno;
    }
    if (rc == 0 && !fd_write_all(fd, out->buf, out->len)) {
        rc = -errno;
    }
    if (close(fd) != 0 && rc == 0) {
        rc = -errno;
    }
    if (rc == 0 && rename(tmp, out->path) != 0) {
        rc = -errno;
    }
    if (rc != 0) {
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int output_file_commit(OutputFile *out, int write_errno, Error **errp)
{
    int rc = write_errno ? -write_errno : 0;
    if (out->mode == OUTPUT_STREAM) {
        if (fflush(out->stream) != 0 && rc == 0) {
            rc = -errno;
        }
        if (ferror(out->stream) && rc == 0) {
            rc = -EIO;
        }
        if (fclose(out->stream) != 0 && rc == 0) {
            rc = -errno;
        }
    } else {
        if ((fclose(out->stream) != 0 || !out->buf) && rc == 0) {
            rc = -ENOMEM;
        }
        if (rc == 0 && out->replace) {
            rc = replace_whole(out);
        } else if (rc == 0) {
            if (!fd_write_all(out->fd, out->buf, out->len)) {
                rc = -errno;
            } else if (out->truncate_after && ftruncate(out->fd, (off_t)out->len) != 0) {
                rc = -errno;
            }
        }
    }
    out->stream = NULL;
    if (rc != 0) {
        out_error(out, errp, "%s", strerror(-rc));
    }
    out_free(out);
    return rc;
}

void output_file_discard(OutputFile *out)
{
    if (!out) {
        return;
    }
    if (out->stream) {
        fclose(out->stream);
    }
    out_free(out);
}
