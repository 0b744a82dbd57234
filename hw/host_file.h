/* The host files a user names on the command line: images read in (-kernel, -bios, -initrd,
 * -dtb, -drive) and outputs written (-M dumpdtb=, --stats=, --trace-flush=, -D).
 * Callers: the main thread, while the machine is built and after its vCPU threads are joined;
 * an OutputFile's stream may be written by any thread under the writer's own lock.
 * Locking: none inside.
 *
 * Inputs are opened without blocking, so a FIFO or a terminal named as an image is refused
 * with a message instead of waiting for a writer forever; the caller checks the file type.
 *
 * Outputs are written to the path as the user named it:
 *  - a path that does not exist yet, or names a regular file: written to a temporary file in
 *    the same directory and renamed over it (OUTPUT_WHOLE), so a failed run leaves the old
 *    file, or none, never half of one;
 *  - a device node, a FIFO or a symbolic link: written in place (the link is followed and
 *    kept; a regular file it points to is rewritten from its start and cut to the new size);
 *  - OUTPUT_STREAM (a trace or a log, written as the run goes): always in place, a regular
 *    file truncated at open.
 * Every output is opened or checked for writing by output_file_open, before any guest runs,
 * so an unwritable path is an error at start-up rather than after the run. */
#ifndef HW_HOST_FILE_H
#define HW_HOST_FILE_H

#include <stdio.h>
#include <sys/stat.h>

#include "util/error.h"

/* Opens path with flags (O_RDONLY or O_RDWR; O_CLOEXEC, O_NOCTTY and, for the open alone,
 * O_NONBLOCK are added) and fstat()s it into *st. Returns the fd, blocking again, or -errno.
 * The caller refuses the types it cannot use (a FIFO gives S_ISFIFO, not a hang). */
int host_file_open_input(const char *path, int flags, struct stat *st)
    __attribute__((warn_unused_result));

enum output_mode {
    OUTPUT_WHOLE,    /* the content is kept in memory and written at output_file_commit */
    OUTPUT_STREAM,   /* written through as the stream's buffer fills */
};

typedef struct OutputFile OutputFile;

/* Opens (or, for OUTPUT_WHOLE to a regular or new file, checks) path for writing. `label`
 * names the option in messages, as the user wrote it ("--stats=", "-D "): errors read
 * "<label><path>: <reason>". Returns NULL with *errp set: a directory, a missing directory,
 * no write permission, a FIFO that nobody reads. */
OutputFile *output_file_open(const char *label, const char *path, enum output_mode mode,
                             Error **errp) __attribute__((warn_unused_result));

/* Where to write; valid until output_file_commit or output_file_discard. */
FILE *output_file_stream(OutputFile *out);

/* Finishes the file (OUTPUT_WHOLE: writes it and renames the temporary file over the target)
 * and frees out. Returns 0, or -errno with *errp set ("<label><path>: No space left on
 * device"), in which case a regular target is left as it was before the run. write_errno, if
 * not 0, is an error the writer met earlier on the stream and makes the commit fail with it. */
int output_file_commit(OutputFile *out, int write_errno, Error **errp);

/* Drops what was written (OUTPUT_WHOLE) and frees out; NULL is fine. */
void output_file_discard(OutputFile *out);

#endif
