/* hw/host_file.c and util/error.c: user-named inputs never block, outputs are written as named
 * (temporary + rename for regular and new files, in place for FIFOs and symlinks), a failed
 * commit leaves a regular target as it was, and error messages keep their whole text. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/host_file.h"
#include "util/error.h"

static char tmpdir[64];
static Error *err;

static void setup(void)
{
    strcpy(tmpdir, "/tmp/tlbstorm-hostfile-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    err = NULL;
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
    error_free(err);
}

TestSuite(host_file, .init = setup, .fini = teardown, .timeout = 20);

static const char *path_in(const char *name)
{
    static char path[4][128];
    static unsigned next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
    return p;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static const char *read_file(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    if (!f) {
        return NULL;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static unsigned entries_in_tmpdir(void)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", tmpdir);
    FILE *p = popen(cmd, "r");
    unsigned n = 0;
    cr_assert_eq(fscanf(p, "%u", &n), 1);
    pclose(p);
    return n;
}

Test(host_file, whole_output_appears_only_at_commit)
{
    const char *path = path_in("out.json");
    OutputFile *out = output_file_open("--stats=", path, OUTPUT_WHOLE, &err);
    cr_assert_not_null(out, "%s", err ? error_get_pretty(err) : "");
    fputs("{}\n", output_file_stream(out));
    cr_assert_null(read_file(path), "nothing may exist before the commit");
    cr_assert_eq(output_file_commit(out, 0, &err), 0);
    cr_assert_str_eq(read_file(path), "{}\n");
    cr_assert_eq(entries_in_tmpdir(), 1, "the temporary file is gone");
}

Test(host_file, failed_commit_leaves_the_old_file_and_no_temporary)
{
    const char *path = path_in("out.json");
    write_file(path, "old");
    chmod(path, 0640);
    OutputFile *out = output_file_open("--stats=", path, OUTPUT_WHOLE, &err);
    cr_assert_not_null(out);
    fputs("new", output_file_stream(out));
    cr_assert_eq(output_file_commit(out, ENOSPC, &err), -ENOSPC);
    cr_assert(strstr(error_get_pretty(err), "out.json: No space left on device"), "%s",
              error_get_pretty(err));
    cr_assert_str_eq(read_file(path), "old");
    cr_assert_eq(entries_in_tmpdir(), 1);
    /* A successful replacement keeps the mode of the file it replaces. */
    out = output_file_open("--stats=", path, OUTPUT_WHOLE, NULL);
    fputs("new", output_file_stream(out));
    cr_assert_eq(output_file_commit(out, 0, NULL), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640);
    cr_assert_str_eq(read_file(path), "new");
}

Test(host_file, discard_writes_nothing)
{
    const char *path = path_in("out.json");
    write_file(path, "old");
    OutputFile *out = output_file_open("--stats=", path, OUTPUT_WHOLE, &err);
    fputs("new", output_file_stream(out));
    output_file_discard(out);
    cr_assert_str_eq(read_file(path), "old");
    cr_assert_eq(entries_in_tmpdir(), 1);
}

Test(host_file, symlink_is_followed_and_kept)
{
    const char *target = path_in("target.dtb");
    const char *link = path_in("link.dtb");
    write_file(target, "a much longer old content");
    cr_assert_eq(symlink(target, link), 0);
    OutputFile *out = output_file_open("dumpdtb=", link, OUTPUT_WHOLE, &err);
    cr_assert_not_null(out);
    fputs("short", output_file_stream(out));
    cr_assert_eq(output_file_commit(out, 0, &err), 0);
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the symlink was replaced");
    cr_assert_str_eq(read_file(target), "short", "rewritten from the start and cut");
}

Test(host_file, fifo_without_reader_is_an_error_not_a_wait)
{
    const char *fifo = path_in("trace.fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_null(output_file_open("--trace-flush=", fifo, OUTPUT_STREAM, &err));
    cr_assert(strstr(error_get_pretty(err), "no process has open for reading"), "%s",
              error_get_pretty(err));
}

Test(host_file, fifo_with_reader_is_written_in_place)
{
    const char *fifo = path_in("trace.fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    cr_assert_geq(rd, 0);
    OutputFile *out = output_file_open("--trace-flush=", fifo, OUTPUT_STREAM, &err);
    cr_assert_not_null(out, "%s", err ? error_get_pretty(err) : "");
    fputs("line\n", output_file_stream(out));
    cr_assert_eq(output_file_commit(out, 0, &err), 0);
    char buf[16] = "";
    cr_assert_eq(read(rd, buf, sizeof(buf)), 5);
    cr_assert_str_eq(buf, "line\n");
    close(rd);
    struct stat st;
    cr_assert_eq(lstat(fifo, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode));
}

Test(host_file, unwritable_paths_fail_at_open)
{
    cr_assert_null(output_file_open("--stats=", path_in("nodir/x.json"), OUTPUT_WHOLE, &err));
    cr_assert(strstr(error_get_pretty(err), "nodir/x.json: No such file or directory"), "%s",
              error_get_pretty(err));
    error_free(err);
    err = NULL;
    cr_assert_null(output_file_open("-D ", tmpdir, OUTPUT_STREAM, &err));
    cr_assert(strstr(error_get_pretty(err), "Is a directory"), "%s", error_get_pretty(err));
}

Test(host_file, input_fifo_opens_at_once_and_reports_its_type)
{
    const char *fifo = path_in("image.fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    struct stat st;
    int fd = host_file_open_input(fifo, O_RDONLY, &st);
    cr_assert_geq(fd, 0);
    cr_assert(S_ISFIFO(st.st_mode));
    cr_assert_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "left blocking for the reader");
    close(fd);
    cr_assert_eq(host_file_open_input(path_in("missing"), O_RDONLY, &st), -ENOENT);
}

Test(host_file, error_messages_keep_their_whole_text)
{
    char *long_text = malloc(20000);
    memset(long_text, 'p', 19999);
    long_text[19999] = '\0';
    error_setg(&err, "%s: %s", long_text, "the reason");
    error_prepend(&err, "-kernel ");
    const char *msg = error_get_pretty(err);
    cr_assert_eq(strlen(msg), 8 + 19999 + 12);
    cr_assert_eq(strncmp(msg, "-kernel ppp", 11), 0);
    cr_assert_str_eq(msg + strlen(msg) - 10, "the reason");
    /* The first error of an operation is kept. */
    error_setg(&err, "a later one");
    cr_assert_eq(error_get_pretty(err), msg);
    free(long_text);
}
