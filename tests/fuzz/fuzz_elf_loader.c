/* libFuzzer target: the image loader (ELF and raw) on arbitrary file contents. Guest RAM is
 * 2 MiB with guard pages on both sides (PROT_NONE), so a write outside RAM faults. The
 * loader must either refuse the file with -errno and one line of text, leaving RAM exactly as
 * it was, or load it inside RAM with an entry point in RAM. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/loader.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (2ULL << 20)
#define PAGE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;
static uint8_t *snapshot;
static int fd = -1;
static char path[64];

static void setup(void)
{
    uint8_t *area = mmap(NULL, RAM_SIZE + 2 * PAGE, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED) {
        abort();
    }
    ram = area + PAGE;
    if (mprotect(ram, RAM_SIZE, PROT_READ | PROT_WRITE) != 0) {
        abort();
    }
    snapshot = malloc(RAM_SIZE);
    fd = memfd_create("fuzz-image", 0);
    if (!snapshot || fd < 0) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ram) {
        setup();
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
        abort();
    }
    memset(ram, 0xa5, RAM_SIZE);
    memcpy(snapshot, ram, RAM_SIZE);
    struct guest_ram gr = { ram, RAM_BASE, RAM_SIZE };
    struct loaded_image img;
    Error *err = NULL;
    int rc = loader_load_image(path, &gr, RAM_BASE + 0x1000, &img, &err);
    if (rc < 0) {
        if (!err || !error_get_pretty(err)[0] || strchr(error_get_pretty(err), '\n') ||
            memcmp(ram, snapshot, RAM_SIZE) != 0) {
            abort();
        }
        error_free(err);
    } else if (rc != 0 || img.low < RAM_BASE || img.high > RAM_BASE + RAM_SIZE ||
               img.low > img.high || img.entry < RAM_BASE || img.entry >= RAM_BASE + RAM_SIZE) {
        abort();
    }
    return 0;
}
