/* libFuzzer target: the virtio-mmio transport and virtio-blk request parser against a guest
 * that lies. The input's first HEADER bytes give the driver's choices (features, queue size,
 * descriptor/avail/used addresses, anywhere in or out of RAM, and how many notifies); the
 * rest is guest RAM (64 KiB between PROT_NONE guard pages), so descriptor tables, rings,
 * request headers and buffers are all arbitrary: loops, chains pointing outside RAM, huge
 * lengths, indirect tables. The device must never touch memory outside RAM, report a write
 * outside RAM, crash or hang; a bad ring only puts it in DEVICE_NEEDS_RESET. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/virtio_blk.h"
#include "hw/virtio_mmio.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x10000ULL
#define PAGE 4096
#define HEADER 40
#define IMG_SECTORS 64

/* Register offsets and status bits of the virtio-mmio v2 layout (virtio 1.2, 4.2.2). */
enum {
    R_STATUS = 0x070, R_DEV_FEATURES = 0x010, R_DEV_FEATURES_SEL = 0x014,
    R_DRV_FEATURES = 0x020, R_DRV_FEATURES_SEL = 0x024, R_QUEUE_SEL = 0x030,
    R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044, R_QUEUE_NOTIFY = 0x050, R_INT_ACK = 0x064,
    R_DESC_LO = 0x080, R_DESC_HI = 0x084, R_AVAIL_LO = 0x090, R_AVAIL_HI = 0x094,
    R_USED_LO = 0x0a0, R_USED_HI = 0x0a4,
};
enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;
static DMARam dma;
static VirtioBlk *blk;
static VirtioMMIO *dev;

static void ram_written(void *opaque, uint64_t paddr, uint64_t len)
{
    (void)opaque;
    if (paddr < RAM_BASE || len > RAM_SIZE || paddr - RAM_BASE > RAM_SIZE - len) {
        abort();                            /* the device claims a write outside RAM */
    }
}

static void irq_set(void *opaque, unsigned n, bool level)
{
    (void)opaque;
    (void)n;
    (void)level;
}

static void setup(void)
{
    uint8_t *area = mmap(NULL, RAM_SIZE + 2 * PAGE, PROT_NONE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED || mprotect(area + PAGE, RAM_SIZE, PROT_READ | PROT_WRITE) != 0) {
        abort();
    }
    ram = area + PAGE;
    dma = (DMARam){ .host = ram, .base = RAM_BASE, .size = RAM_SIZE, .written = ram_written };
    int fd = memfd_create("fuzz-disk", 0);
    if (fd < 0 || ftruncate(fd, IMG_SECTORS * 512) != 0) {
        abort();
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    blk = virtio_blk_open(path, false, "fuzz", NULL);
    IRQLine line = { .set = irq_set, .opaque = NULL, .n = 1 };
    dev = blk ? virtio_mmio_new_blk(blk, &dma, &line) : NULL;
    if (!dev) {
        abort();
    }
}

static void wr(uint64_t off, uint32_t v)
{
    virtio_mmio_ops.write(dev, off, v, 4);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Header: [0] driver features lo, [4] hi, [8] queue num, [12] notifies, [16] desc gpa offset,
 * [20] avail offset, [24] used offset, [28] out-of-RAM bits, [32..39] spare. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dev) {
        setup();
    }
    if (size < HEADER) {
        return 0;
    }
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, data + HEADER, size - HEADER < RAM_SIZE ? size - HEADER : RAM_SIZE);
    virtio_mmio_reset(dev);
    wr(R_STATUS, 0);
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, get32(data));
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, get32(data + 4) | 1);      /* VIRTIO_F_VERSION_1, mostly */
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    uint32_t outside = get32(data + 28);
    uint64_t gpa[3];
    for (unsigned i = 0; i < 3; i++) {
        uint64_t off = get32(data + 16 + 4 * i) % RAM_SIZE;
        /* Usually inside RAM; sometimes just past its end or far away. */
        gpa[i] = (outside >> (2 * i) & 3) == 3 ? RAM_BASE + RAM_SIZE - (off & 0xff)
               : (outside >> (2 * i) & 3) == 2 ? off << 20
               : RAM_BASE + off;
    }
    wr(R_QUEUE_SEL, 0);
    wr(R_QUEUE_NUM, get32(data + 8) & 0x1ff);
    wr(R_DESC_LO, (uint32_t)gpa[0]);
    wr(R_DESC_HI, (uint32_t)(gpa[0] >> 32));
    wr(R_AVAIL_LO, (uint32_t)gpa[1]);
    wr(R_AVAIL_HI, (uint32_t)(gpa[1] >> 32));
    wr(R_USED_LO, (uint32_t)gpa[2]);
    wr(R_USED_HI, (uint32_t)(gpa[2] >> 32));
    wr(R_QUEUE_READY, 1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    unsigned notifies = 1 + (get32(data + 12) & 3);
    for (unsigned i = 0; i < notifies; i++) {
        wr(R_QUEUE_NOTIFY, 0);
        wr(R_INT_ACK, 3);
    }
    return 0;
}
