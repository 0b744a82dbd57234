#include "fixture_tmpdir.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[96];

void fx_tmpdir_create(const char *prefix)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tlbstorm-%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(tmpdir));
}

void fx_tmpdir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

const char *fx_tmpdir(void)
{
    return tmpdir;
}

const char *fx_tmp_path(const char *name)
{
    static char path[4][256];
    static unsigned next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
    return p;
}

const char *fx_write_file(const char *name, const void *data, size_t len)
{
    const char *path = fx_tmp_path(name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    if (len) {
        cr_assert_eq(fwrite(data, 1, len, f), len);
    }
    cr_assert_eq(fclose(f), 0);
    return path;
}
