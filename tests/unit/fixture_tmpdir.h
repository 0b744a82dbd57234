/* Test fixture: a private temporary directory per test, and files written into it. Owns the
 * directory (removed with everything in it by fx_tmpdir_remove) and the path buffers
 * fx_tmp_path hands out. Single-threaded test processes only. */
#ifndef TESTS_UNIT_FIXTURE_TMPDIR_H
#define TESTS_UNIT_FIXTURE_TMPDIR_H

#include <stddef.h>

/* In a suite's .init: a new directory /tmp/tlbstorm-PREFIX-XXXXXX. */
void fx_tmpdir_create(const char *prefix);
/* In a suite's .fini: the directory and its contents are removed. */
void fx_tmpdir_remove(void);
/* The directory's path. */
const char *fx_tmpdir(void);
/* "DIR/name"; the last four results stay valid. */
const char *fx_tmp_path(const char *name);
/* Writes len bytes of data to DIR/name (an empty file when len is 0); returns the path. */
const char *fx_write_file(const char *name, const void *data, size_t len);

#endif
