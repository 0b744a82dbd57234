/* Criterion tests for hw/virtio_mmio and hw/virtio_blk: a driver written here runs the
 * virtio-mmio v2 handshake and split-virtqueue requests through virtio_mmio_ops against a fake
 * guest RAM (1 MiB at 0x80000000) and a temp image file; malformed rings and chains must end
 * in DEVICE_NEEDS_RESET without touching memory outside RAM (run under ASan/UBSan too).
 * Single-threaded except the register-hammering test. No locks of its own. */
#include <criterion/criterion.h>
#include <endian.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/virtio_blk.h"
#include "hw/virtio_mmio.h"

/* ---- guest-visible constants, spelled out as a driver would ---------------------------- */

#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_VENDOR_ID 0x00c
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_DESC_LO 0x080
#define R_DESC_HI 0x084
#define R_AVAIL_LO 0x090
#define R_AVAIL_HI 0x094
#define R_USED_LO 0x0a0
#define R_USED_HI 0x0a4
#define R_SHM_LEN_LO 0x0b0
#define R_CONFIG_GEN 0x0fc
#define R_CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

#define F_INDIRECT (1ULL << 28)
#define F_VERSION_1 (1ULL << 32)
#define F_BLK_SEG_MAX (1ULL << 2)
#define F_BLK_RO (1ULL << 5)
#define F_BLK_BLK_SIZE (1ULL << 6)
#define F_BLK_FLUSH (1ULL << 9)

#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

/* ---- fixture ---------------------------------------------------------------------------- */

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x100000ULL
#define DESC_GPA (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA (RAM_BASE + 0x2000)
#define HDR_GPA (RAM_BASE + 0x4000)     /* request headers, 16 bytes per slot */
#define STATUS_GPA (RAM_BASE + 0x6000)  /* status bytes, one per slot */
#define DATA_GPA (RAM_BASE + 0x10000)   /* data buffers */
#define INDIR_GPA (RAM_BASE + 0x8000)   /* indirect tables */
#define IMG_SECTORS 64
#define GUARD 0x5a

static uint8_t *ram_host;   /* RAM plus a guard page either side, to catch stray writes */
static uint8_t *ram;
static DMARam dma;
static char tmpdir[64];
static char img_path[128];
static VirtioBlk *blk;
static VirtioMMIO *dev;
static unsigned qnum;
static uint16_t drv_avail_idx;  /* driver's shadow of avail->idx */
static unsigned next_desc;      /* driver's descriptor allocator (no reuse tracking needed) */

static atomic_bool irq_level;
static atomic_uint irq_rises;
static unsigned written_calls;
static bool written_out_of_ram;

static void irq_set(void *opaque, unsigned n, bool level)
{
    cr_assert_eq(opaque, &irq_level);
    cr_assert_eq(n, 3);
    if (level && !atomic_load(&irq_level)) {
        atomic_fetch_add(&irq_rises, 1);
    }
    atomic_store(&irq_level, level);
}

static void ram_written(void *opaque, uint64_t paddr, uint64_t len)
{
    (void)opaque;
    written_calls++;
    if (paddr < RAM_BASE || len > RAM_SIZE || paddr - RAM_BASE > RAM_SIZE - len) {
        written_out_of_ram = true;
    }
}

static uint8_t *gp(uint64_t gpa)
{
    return ram + (gpa - RAM_BASE);
}

static void make_image(const char *path, uint64_t bytes)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    uint8_t *buf = malloc(bytes);
    for (uint64_t i = 0; i < bytes; i++) {
        buf[i] = (uint8_t)(i / 512 * 7 + i % 251);   /* sector-dependent pattern */
    }
    cr_assert_eq(write(fd, buf, bytes), (ssize_t)bytes);
    free(buf);
    close(fd);
}

static uint8_t img_pattern(uint64_t off)
{
    return (uint8_t)(off / 512 * 7 + off % 251);
}

static void open_dev(bool readonly, const char *id)
{
    Error *err = NULL;
    blk = virtio_blk_open(img_path, readonly, id, &err);
    cr_assert_not_null(blk, "%s", error_get_pretty(err));
    IRQLine line = { .set = irq_set, .opaque = &irq_level, .n = 3 };
    dev = virtio_mmio_new_blk(blk, &dma, &line);
    cr_assert_not_null(dev);
}

static void setup(void)
{
    strcpy(tmpdir, "/tmp/tlbstorm-virtio-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(img_path, sizeof(img_path), "%s/disk.raw", tmpdir);
    make_image(img_path, IMG_SECTORS * 512);
    ram_host = malloc(RAM_SIZE + 2 * 4096);
    cr_assert_not_null(ram_host);
    memset(ram_host, GUARD, RAM_SIZE + 2 * 4096);
    ram = ram_host + 4096;
    memset(ram, 0, RAM_SIZE);
    dma = (DMARam){ .host = ram, .base = RAM_BASE, .size = RAM_SIZE, .written = ram_written };
    atomic_store(&irq_level, false);
    atomic_store(&irq_rises, 0);
    written_calls = 0;
    written_out_of_ram = false;
    drv_avail_idx = 0;
    next_desc = 0;
    blk = NULL;
    dev = NULL;
}

static bool guards_intact(void)
{
    for (unsigned i = 0; i < 4096; i++) {
        if (ram_host[i] != GUARD || ram_host[4096 + RAM_SIZE + i] != GUARD) {
            return false;
        }
    }
    return true;
}

static void teardown(void)
{
    cr_expect(guards_intact(), "device wrote outside guest RAM");
    cr_expect(!written_out_of_ram, "dma_ram_written reported a range outside RAM");
    virtio_mmio_free(dev);
    virtio_blk_close(blk);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
    free(ram_host);
}

TestSuite(virtio, .init = setup, .fini = teardown);

/* ---- driver helpers --------------------------------------------------------------------- */

static uint32_t rd(uint64_t off)
{
    return (uint32_t)virtio_mmio_ops.read(dev, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
    virtio_mmio_ops.write(dev, off, v, 4);
}

static uint64_t dev_features(void)
{
    wr(R_DEV_FEATURES_SEL, 0);
    uint64_t lo = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 1);
    return lo | (uint64_t)rd(R_DEV_FEATURES) << 32;
}

static void set_drv_features(uint64_t f)
{
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, (uint32_t)f);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, (uint32_t)(f >> 32));
}

static void setup_queue(unsigned num, uint64_t desc, uint64_t avail, uint64_t used)
{
    wr(R_QUEUE_SEL, 0);
    wr(R_QUEUE_NUM, num);
    wr(R_DESC_LO, (uint32_t)desc);
    wr(R_DESC_HI, (uint32_t)(desc >> 32));
    wr(R_AVAIL_LO, (uint32_t)avail);
    wr(R_AVAIL_HI, (uint32_t)(avail >> 32));
    wr(R_USED_LO, (uint32_t)used);
    wr(R_USED_HI, (uint32_t)(used >> 32));
    wr(R_QUEUE_READY, 1);
}

/* The whole v2 handshake (3.1.1) with queue 0 of `num` entries; returns the final status. */
static uint32_t driver_init(unsigned num, uint64_t features)
{
    memset(gp(DESC_GPA), 0, 0x3000);
    qnum = num;
    drv_avail_idx = 0;
    next_desc = 0;
    wr(R_STATUS, 0);
    cr_assert_eq(rd(R_STATUS), 0);
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
    cr_assert_eq(dev_features() & features, features);
    set_drv_features(features);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_geq(rd(R_QUEUE_NUM_MAX), num);
    cr_assert_eq(rd(R_QUEUE_READY), 0);
    setup_queue(num, DESC_GPA, AVAIL_GPA, USED_GPA);
    cr_assert_eq(rd(R_QUEUE_READY), 1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return rd(R_STATUS);
}

static void st16(uint64_t gpa, uint16_t v)
{
    v = htole16(v);
    memcpy(gp(gpa), &v, 2);
}

static void st32(uint64_t gpa, uint32_t v)
{
    v = htole32(v);
    memcpy(gp(gpa), &v, 4);
}

static void st64(uint64_t gpa, uint64_t v)
{
    v = htole64(v);
    memcpy(gp(gpa), &v, 8);
}

static uint16_t ld16(uint64_t gpa)
{
    uint16_t v;
    memcpy(&v, gp(gpa), 2);
    return le16toh(v);
}

static uint32_t ld32(uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, gp(gpa), 4);
    return le32toh(v);
}

static void set_desc_in(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                        uint16_t next)
{
    uint64_t d = table + 16ULL * i;
    st64(d, addr);
    st32(d + 8, len);
    st16(d + 12, flags);
    st16(d + 14, next);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    set_desc_in(DESC_GPA, i, addr, len, flags, next);
}

static unsigned alloc_desc(void)
{
    return next_desc++ % qnum;
}

/* Put `head` in the avail ring and publish the new index (no notify). */
static void submit(uint16_t head)
{
    st16(AVAIL_GPA + 4 + 2 * (drv_avail_idx % qnum), head);
    drv_avail_idx++;
    st16(AVAIL_GPA + 2, drv_avail_idx);
}

static void notify(void)
{
    wr(R_QUEUE_NOTIFY, 0);
}

static uint16_t used_idx(void)
{
    return ld16(USED_GPA + 2);
}

static uint32_t used_id(uint16_t i)
{
    return ld32(USED_GPA + 4 + 8 * (i % qnum));
}

static uint32_t used_len(uint16_t i)
{
    return ld32(USED_GPA + 4 + 8 * (i % qnum) + 4);
}

/* A three-descriptor request in request slot `slot`: header, data (if len), status.
 * Returns the head index. The status byte is preset to 0xee. */
static uint16_t make_req(unsigned slot, uint32_t type, uint64_t sector, uint64_t data_gpa,
                         uint32_t data_len, bool data_writable)
{
    uint64_t hdr = HDR_GPA + 16 * slot;
    st32(hdr, type);
    st32(hdr + 4, 0);
    st64(hdr + 8, sector);
    *gp(STATUS_GPA + slot) = 0xee;
    unsigned h = alloc_desc();
    unsigned s = data_len ? alloc_desc() : 0;
    unsigned st = alloc_desc();
    if (data_len) {
        set_desc(h, hdr, 16, D_NEXT, (uint16_t)s);
        set_desc(s, data_gpa, data_len, D_NEXT | (data_writable ? D_WRITE : 0), (uint16_t)st);
    } else {
        set_desc(h, hdr, 16, D_NEXT, (uint16_t)st);
    }
    set_desc(st, STATUS_GPA + slot, 1, D_WRITE, 0);
    return (uint16_t)h;
}

static uint8_t req_status(unsigned slot)
{
    return *gp(STATUS_GPA + slot);
}

/* Submit, notify and check that exactly this request completed; returns its status. */
static uint8_t run_req(unsigned slot, uint16_t head, uint32_t expect_len)
{
    uint16_t before = used_idx();
    submit(head);
    notify();
    cr_assert_eq(used_idx(), (uint16_t)(before + 1), "request not completed (status %#x, %s)",
                 rd(R_STATUS), virtio_mmio_error(dev) ? virtio_mmio_error(dev) : "-");
    cr_assert_eq(used_id(before), head);
    cr_assert_eq(used_len(before), expect_len);
    return req_status(slot);
}

static void file_read(uint64_t off, void *buf, size_t len)
{
    int fd = open(img_path, O_RDONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
    close(fd);
}

static void expect_needs_reset(uint16_t used_before)
{
    cr_assert(rd(R_STATUS) & S_NEEDS_RESET, "status %#x", rd(R_STATUS));
    cr_assert(rd(R_INT_STATUS) & 2);
    cr_assert(atomic_load(&irq_level));
    cr_assert_not_null(virtio_mmio_error(dev));
    cr_assert_eq(used_idx(), used_before);
    /* Stopped: a further valid request is not processed. */
    uint16_t h = make_req(30, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, true);
    submit(h);
    notify();
    cr_assert_eq(used_idx(), used_before);
    cr_assert_eq(req_status(30), 0xee);
}

/* After a reset, the device must work again from a fresh handshake. */
static void expect_recovers(void)
{
    wr(R_STATUS, 0);
    cr_assert_eq(rd(R_STATUS), 0);
    cr_assert_eq(rd(R_INT_STATUS), 0);
    cr_assert(!atomic_load(&irq_level));
    cr_assert_null(virtio_mmio_error(dev));
    cr_assert_eq(driver_init(8, F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    uint16_t h = make_req(1, VIRTIO_BLK_T_IN, 3, DATA_GPA, 512, true);
    cr_assert_eq(run_req(1, h, 513), VIRTIO_BLK_S_OK);
    cr_assert_eq(*gp(DATA_GPA + 5), img_pattern(3 * 512 + 5));
}

/* ---- transport --------------------------------------------------------------------------- */

Test(virtio, identification_and_handshake)
{
    open_dev(false, NULL);
    cr_assert_eq(rd(R_MAGIC), 0x74726976);
    cr_assert_eq(rd(R_VERSION), 2);
    cr_assert_eq(rd(R_DEVICE_ID), 2);
    cr_assert_eq(rd(R_VENDOR_ID), 0x554d4551);
    uint64_t f = dev_features();
    cr_assert(f & F_VERSION_1);
    cr_assert(f & F_BLK_FLUSH);
    cr_assert(f & F_BLK_SEG_MAX);
    cr_assert(f & F_BLK_BLK_SIZE);
    cr_assert(f & F_INDIRECT);
    cr_assert_eq(f & F_BLK_RO, 0);
    wr(R_DEV_FEATURES_SEL, 2);
    cr_assert_eq(rd(R_DEV_FEATURES), 0);
    cr_assert_eq(rd(R_QUEUE_NUM_MAX), 256);
    wr(R_QUEUE_SEL, 1);
    cr_assert_eq(rd(R_QUEUE_NUM_MAX), 0, "only queue 0 exists");
    wr(R_QUEUE_SEL, 0);
    /* Config space: capacity in 1, 2, 4 and 8-byte reads; seg_max; blk_size. */
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG, 8), IMG_SECTORS);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG, 4), IMG_SECTORS);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG + 4, 4), 0);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG, 2), IMG_SECTORS);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG, 1), IMG_SECTORS);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG + 12, 4), 254);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG + 20, 4), 512);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG + 0xe00, 8), 0, "beyond the config");
    cr_assert_eq(virtio_mmio_ops.read(dev, 0xffc, 4), 0);
    cr_assert_eq(rd(R_CONFIG_GEN), 0);
    cr_assert_eq(rd(R_SHM_LEN_LO), 0xffffffff, "no shared memory regions");
    cr_assert_eq(driver_init(256, F_VERSION_1 | F_BLK_FLUSH | F_INDIRECT),
                 S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    cr_assert_eq(rd(R_INT_STATUS), 0);
    cr_assert(!atomic_load(&irq_level));
}

Test(virtio, register_access_sizes)
{
    open_dev(false, NULL);
    /* Registers take only aligned 32-bit accesses: others read 0 and write nothing. */
    cr_assert_eq(virtio_mmio_ops.read(dev, R_MAGIC, 2), 0);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_MAGIC, 8), 0);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_MAGIC + 1, 4), 0);
    virtio_mmio_ops.write(dev, R_STATUS, S_ACK, 1);
    virtio_mmio_ops.write(dev, R_STATUS, S_ACK, 8);
    cr_assert_eq(rd(R_STATUS), 0);
    wr(R_STATUS, S_ACK);
    cr_assert_eq(rd(R_STATUS), S_ACK);
    /* Config writes are ignored (read-only config). */
    virtio_mmio_ops.write(dev, R_CONFIG, 1, 8);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG, 8), IMG_SECTORS);
}

Test(virtio, empty_slot)
{
    dev = virtio_mmio_new_empty();
    cr_assert_not_null(dev);
    cr_assert_eq(rd(R_MAGIC), 0x74726976);
    cr_assert_eq(rd(R_VERSION), 2);
    cr_assert_eq(rd(R_DEVICE_ID), 0);
    cr_assert_eq(rd(R_VENDOR_ID), 0x554d4551);
    cr_assert_eq(rd(R_DEV_FEATURES), 0);
    cr_assert_eq(rd(R_QUEUE_NUM_MAX), 0);
    wr(R_STATUS, S_ACK);
    cr_assert_eq(rd(R_STATUS), 0);
    wr(R_QUEUE_NOTIFY, 0);
    cr_assert_eq(virtio_mmio_ops.read(dev, R_CONFIG, 8), 0);
    cr_assert_null(virtio_mmio_error(dev));
}

Test(virtio, features_ok_refuses_features_not_offered)
{
    open_dev(false, NULL);
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
    set_drv_features(F_VERSION_1 | 1);   /* VIRTIO_BLK_F_BARRIER: never offered */
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER, "FEATURES_OK must not stick");
    /* DRIVER_OK without FEATURES_OK does not start the device either. */
    wr(R_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER);
    /* Also in feature word 2. */
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER);
    set_drv_features(F_VERSION_1);
    wr(R_DRV_FEATURES_SEL, 2);
    wr(R_DRV_FEATURES, 1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER);
    /* After a reset, VERSION_1 alone is accepted. */
    wr(R_STATUS, 0);
    wr(R_STATUS, S_ACK | S_DRIVER);
    set_drv_features(F_VERSION_1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    /* Features are frozen once FEATURES_OK stuck. */
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, 1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* A driver that knows only the low feature word (xv6-riscv: DeviceFeatures read and
 * DriverFeatures written through selector 0, bit 32 never seen) is accepted, as QEMU's
 * version-2 transport accepts it, and its requests run as with VERSION_1. */
Test(virtio, driver_without_version_1_is_accepted_and_served)
{
    open_dev(false, NULL);
    memset(gp(DESC_GPA), 0, 0x3000);
    qnum = 16;
    drv_avail_idx = 0;
    next_desc = 0;
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
    uint32_t lo = rd(R_DEV_FEATURES);            /* selector 0 after reset */
    wr(R_DRV_FEATURES, lo & ~(uint32_t)F_INDIRECT);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(16, DESC_GPA, AVAIL_GPA, USED_GPA);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 2, DATA_GPA, 4 * 512, true);
    cr_assert_eq(run_req(0, h, 4 * 512 + 1), VIRTIO_BLK_S_OK);
    /* The interrupt is acked the legacy way, InterruptACK = InterruptStatus & 3. */
    wr(R_INT_ACK, rd(R_INT_STATUS) & 3);
    cr_assert_eq(rd(R_INT_STATUS), 0);
}

/* ---- block requests --------------------------------------------------------------------- */

Test(virtio, read_sectors)
{
    open_dev(false, NULL);
    driver_init(16, F_VERSION_1);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 2, DATA_GPA, 4 * 512, true);
    unsigned before = written_calls;
    cr_assert_eq(run_req(0, h, 4 * 512 + 1), VIRTIO_BLK_S_OK);
    for (unsigned i = 0; i < 4 * 512; i++) {
        cr_assert_eq(*gp(DATA_GPA + i), img_pattern(2 * 512 + i), "byte %u", i);
    }
    cr_assert_eq(*gp(DATA_GPA + 4 * 512), 0, "read past the buffer");
    cr_assert_geq(written_calls - before, 3, "data, status and used ring are reported");
    cr_assert_eq(rd(R_INT_STATUS), 1);
    cr_assert(atomic_load(&irq_level));
}

Test(virtio, write_round_trip)
{
    open_dev(false, NULL);
    driver_init(16, F_VERSION_1 | F_BLK_FLUSH);
    for (unsigned i = 0; i < 3 * 512; i++) {
        *gp(DATA_GPA + i) = (uint8_t)(i * 13 + 1);
    }
    uint16_t h = make_req(0, VIRTIO_BLK_T_OUT, 10, DATA_GPA, 3 * 512, false);
    cr_assert_eq(run_req(0, h, 1), VIRTIO_BLK_S_OK);
    uint8_t buf[5 * 512];
    file_read(9 * 512, buf, sizeof(buf));
    for (unsigned i = 0; i < 512; i++) {
        cr_assert_eq(buf[i], img_pattern(9 * 512 + i), "sector 9 untouched");
        cr_assert_eq(buf[4 * 512 + i], img_pattern(13 * 512 + i), "sector 13 untouched");
    }
    for (unsigned i = 0; i < 3 * 512; i++) {
        cr_assert_eq(buf[512 + i], (uint8_t)(i * 13 + 1), "file byte %u", i);
    }
    /* Read it back through the device into another buffer. */
    h = make_req(1, VIRTIO_BLK_T_IN, 10, DATA_GPA + 0x4000, 3 * 512, true);
    cr_assert_eq(run_req(1, h, 3 * 512 + 1), VIRTIO_BLK_S_OK);
    cr_assert_eq(memcmp(gp(DATA_GPA), gp(DATA_GPA + 0x4000), 3 * 512), 0);
    h = make_req(2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
    cr_assert_eq(run_req(2, h, 1), VIRTIO_BLK_S_OK);
}

Test(virtio, any_layout_split_buffers)
{
    open_dev(false, NULL);
    driver_init(16, F_VERSION_1);
    /* Header split 5 + 11 bytes, then one writable buffer holding data and status. */
    st32(HDR_GPA, VIRTIO_BLK_T_IN);
    st32(HDR_GPA + 4, 0);
    st64(HDR_GPA + 8, 7);
    set_desc(0, HDR_GPA, 5, D_NEXT, 1);
    set_desc(1, HDR_GPA + 5, 11, D_NEXT, 2);
    set_desc(2, DATA_GPA, 100, D_NEXT | D_WRITE, 3);
    set_desc(3, DATA_GPA + 100, 0, D_NEXT | D_WRITE, 4);   /* empty buffer: skipped */
    set_desc(4, DATA_GPA + 200, 413, D_WRITE, 0);
    next_desc = 5;
    submit(0);
    notify();
    cr_assert_eq(used_idx(), 1);
    cr_assert_eq(used_len(0), 513);
    for (unsigned i = 0; i < 512; i++) {
        uint64_t at = i < 100 ? DATA_GPA + i : DATA_GPA + 200 + (i - 100);
        cr_assert_eq(*gp(at), img_pattern(7 * 512 + i), "byte %u", i);
    }
    cr_assert_eq(*gp(DATA_GPA + 200 + 412), VIRTIO_BLK_S_OK);
}

Test(virtio, indirect_descriptors)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    st32(HDR_GPA, VIRTIO_BLK_T_IN);
    st64(HDR_GPA + 8, 1);
    set_desc_in(INDIR_GPA, 0, HDR_GPA, 16, D_NEXT, 2);
    set_desc_in(INDIR_GPA, 2, DATA_GPA, 512, D_NEXT | D_WRITE, 1);
    set_desc_in(INDIR_GPA, 1, STATUS_GPA, 1, D_WRITE, 0);
    set_desc(5, INDIR_GPA, 3 * 16, D_INDIRECT, 0);
    *gp(STATUS_GPA) = 0xee;
    qnum = 8;
    submit(5);
    notify();
    cr_assert_eq(used_idx(), 1);
    cr_assert_eq(used_id(0), 5);
    cr_assert_eq(used_len(0), 513);
    cr_assert_eq(*gp(STATUS_GPA), VIRTIO_BLK_S_OK);
    cr_assert_eq(*gp(DATA_GPA + 17), img_pattern(512 + 17));
}

Test(virtio, get_id)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    memset(gp(DATA_GPA), 0xcc, 32);
    uint16_t h = make_req(0, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, true);
    cr_assert_eq(run_req(0, h, 21), VIRTIO_BLK_S_OK);
    uint8_t expect[20] = "tlbstorm";
    cr_assert_eq(memcmp(gp(DATA_GPA), expect, 20), 0);
    cr_assert_eq(*gp(DATA_GPA + 20), 0xcc);
}

Test(virtio, get_id_named_and_truncated)
{
    open_dev(false, "a-drive-id-longer-than-twenty");
    driver_init(8, F_VERSION_1);
    uint16_t h = make_req(0, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, true);
    cr_assert_eq(run_req(0, h, 21), VIRTIO_BLK_S_OK);
    cr_assert_eq(memcmp(gp(DATA_GPA), "a-drive-id-longer-th", 20), 0);
}

Test(virtio, unsupported_type)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    uint16_t h = make_req(0, 0xff, 0, 0, 0, false);
    cr_assert_eq(run_req(0, h, 1), VIRTIO_BLK_S_UNSUPP);
    h = make_req(1, 11 /* DISCARD, not offered */, 0, DATA_GPA, 16, false);
    cr_assert_eq(run_req(1, h, 1), VIRTIO_BLK_S_UNSUPP);
}

Test(virtio, out_of_range_is_ioerr)
{
    open_dev(false, NULL);
    driver_init(16, F_VERSION_1);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, IMG_SECTORS, DATA_GPA, 512, true);
    cr_assert_eq(run_req(0, h, 1), VIRTIO_BLK_S_IOERR);
    h = make_req(1, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, DATA_GPA, 1024, true);
    cr_assert_eq(run_req(1, h, 1), VIRTIO_BLK_S_IOERR);
    h = make_req(2, VIRTIO_BLK_T_OUT, 1ULL << 62, DATA_GPA, 512, false);
    cr_assert_eq(run_req(2, h, 1), VIRTIO_BLK_S_IOERR);
    h = make_req(3, VIRTIO_BLK_T_OUT, UINT64_MAX, DATA_GPA, 512, false);
    cr_assert_eq(run_req(3, h, 1), VIRTIO_BLK_S_IOERR);
    h = make_req(4, VIRTIO_BLK_T_IN, 0, DATA_GPA, 100, true);   /* not whole sectors */
    cr_assert_eq(run_req(4, h, 1), VIRTIO_BLK_S_IOERR);
    /* The last sector itself is fine. */
    h = make_req(5, VIRTIO_BLK_T_IN, IMG_SECTORS - 1, DATA_GPA, 512, true);
    cr_assert_eq(run_req(5, h, 513), VIRTIO_BLK_S_OK);
    cr_assert_eq(rd(R_STATUS) & S_NEEDS_RESET, 0, "I/O errors are not protocol errors");
}

Test(virtio, read_only)
{
    open_dev(true, NULL);
    cr_assert(dev_features() & F_BLK_RO);
    driver_init(8, F_VERSION_1 | F_BLK_RO);
    memset(gp(DATA_GPA), 0x11, 512);
    uint16_t h = make_req(0, VIRTIO_BLK_T_OUT, 0, DATA_GPA, 512, false);
    cr_assert_eq(run_req(0, h, 1), VIRTIO_BLK_S_IOERR);
    uint8_t buf[512];
    file_read(0, buf, sizeof(buf));
    cr_assert_eq(buf[0], img_pattern(0), "read-only image was written");
    h = make_req(1, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    cr_assert_eq(run_req(1, h, 513), VIRTIO_BLK_S_OK);
    cr_assert_eq(*gp(DATA_GPA + 300), img_pattern(300));
    h = make_req(2, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
    cr_assert_eq(run_req(2, h, 1), VIRTIO_BLK_S_OK);
}

/* ---- interrupts and the rings ------------------------------------------------------------ */

Test(virtio, interrupt_and_ack)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    cr_assert(!atomic_load(&irq_level));
    uint16_t h = make_req(0, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, true);
    run_req(0, h, 21);
    cr_assert_eq(rd(R_INT_STATUS), 1);
    cr_assert(atomic_load(&irq_level));
    cr_assert_eq(atomic_load(&irq_rises), 1);
    wr(R_INT_ACK, 2);   /* acking a bit that is not set changes nothing */
    cr_assert(atomic_load(&irq_level));
    wr(R_INT_ACK, 1);
    cr_assert_eq(rd(R_INT_STATUS), 0);
    cr_assert(!atomic_load(&irq_level));
    /* A notify with nothing new raises nothing. */
    notify();
    cr_assert(!atomic_load(&irq_level));
    h = make_req(1, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, true);
    run_req(1, h, 21);
    cr_assert(atomic_load(&irq_level));
    cr_assert_eq(atomic_load(&irq_rises), 2);
}

Test(virtio, no_interrupt_flag)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    st16(AVAIL_GPA, 1);   /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    cr_assert_eq(run_req(0, h, 513), VIRTIO_BLK_S_OK);
    cr_assert_eq(rd(R_INT_STATUS), 0);
    cr_assert(!atomic_load(&irq_level));
    st16(AVAIL_GPA, 0);
    h = make_req(1, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    run_req(1, h, 513);
    cr_assert_eq(rd(R_INT_STATUS), 1);
    cr_assert(atomic_load(&irq_level));
}

Test(virtio, multiple_requests_per_notify)
{
    open_dev(false, NULL);
    driver_init(16, F_VERSION_1);
    uint16_t heads[4];
    heads[0] = make_req(0, VIRTIO_BLK_T_IN, 4, DATA_GPA, 512, true);
    heads[1] = make_req(1, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA + 0x1000, 20, true);
    heads[2] = make_req(2, 0x77, 0, 0, 0, false);
    heads[3] = make_req(3, VIRTIO_BLK_T_IN, 5, DATA_GPA + 0x2000, 1024, true);
    for (unsigned i = 0; i < 4; i++) {
        submit(heads[i]);
    }
    notify();
    cr_assert_eq(used_idx(), 4);
    uint32_t lens[4] = { 513, 21, 1, 1025 };
    uint8_t st[4] = { VIRTIO_BLK_S_OK, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_S_OK };
    for (unsigned i = 0; i < 4; i++) {
        cr_assert_eq(used_id(i), heads[i], "used[%u]", i);
        cr_assert_eq(used_len(i), lens[i], "used[%u]", i);
        cr_assert_eq(req_status(i), st[i], "request %u", i);
    }
    cr_assert_eq(*gp(DATA_GPA + 0x2000 + 600), img_pattern(5 * 512 + 600));
    cr_assert_eq(atomic_load(&irq_rises), 1, "one interrupt for the batch");
}

Test(virtio, notify_before_driver_ok_waits)
{
    open_dev(false, NULL);
    qnum = 8;
    wr(R_STATUS, S_ACK | S_DRIVER);
    set_drv_features(F_VERSION_1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(8, DESC_GPA, AVAIL_GPA, USED_GPA);
    uint16_t h = make_req(0, VIRTIO_BLK_T_GET_ID, 0, DATA_GPA, 20, true);
    submit(h);
    notify();
    cr_assert_eq(used_idx(), 0, "no buffer use before DRIVER_OK");
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    cr_assert_eq(used_idx(), 1);
    cr_assert_eq(req_status(0), VIRTIO_BLK_S_OK);
}

Test(virtio, index_wraparound, .timeout = 60)
{
    open_dev(false, NULL);
    driver_init(16, F_VERSION_1);
    /* 65536 + 12 requests, 4 per notify: both 16-bit indices wrap. */
    unsigned total = 65536 + 12;
    for (unsigned done = 0; done < total; done += 4) {
        next_desc = 0;
        uint16_t heads[4];
        for (unsigned k = 0; k < 4; k++) {
            heads[k] = make_req(k, k == 3 ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_GET_ID,
                                (done / 4) % IMG_SECTORS, DATA_GPA + 0x1000 * k,
                                k == 3 ? 512 : 20, true);
        }
        for (unsigned k = 0; k < 4; k++) {
            submit(heads[k]);
        }
        notify();
        uint16_t u = used_idx();
        cr_assert_eq(u, (uint16_t)(done + 4), "after %u: used idx %u", done, u);
        for (unsigned k = 0; k < 4; k++) {
            cr_assert_eq(used_id((uint16_t)(done + k)), heads[k]);
            cr_assert_eq(req_status(k), VIRTIO_BLK_S_OK);
        }
        cr_assert_eq(*gp(DATA_GPA + 0x3000 + 9), img_pattern((done / 4) % IMG_SECTORS * 512 + 9));
        wr(R_INT_ACK, 1);
    }
    cr_assert_eq(used_idx(), 12);
    cr_assert_eq(drv_avail_idx, 12);
    cr_assert_eq(rd(R_STATUS) & S_NEEDS_RESET, 0);
}

/* ---- malformed input --------------------------------------------------------------------- */

Test(virtio, bad_head_index)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    submit(8);
    notify();
    expect_needs_reset(0);
    expect_recovers();
}

Test(virtio, bad_next_index)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    set_desc(h, HDR_GPA, 16, D_NEXT, 200);
    submit(h);
    notify();
    expect_needs_reset(0);
    expect_recovers();
}

Test(virtio, chain_loop)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    set_desc(0, HDR_GPA, 16, D_NEXT, 1);
    set_desc(1, DATA_GPA, 512, D_NEXT | D_WRITE, 2);
    set_desc(2, STATUS_GPA, 1, D_NEXT | D_WRITE, 1);   /* 1 → 2 → 1 → ... */
    submit(0);
    notify();
    expect_needs_reset(0);
    expect_recovers();
}

Test(virtio, self_loop_readable)
{
    open_dev(false, NULL);
    driver_init(256, F_VERSION_1);
    set_desc(0, HDR_GPA, 16, D_NEXT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
}

Test(virtio, buffer_outside_ram)
{
    static const uint64_t bad[][2] = {
        { RAM_BASE + RAM_SIZE - 256, 512 },     /* runs off the end */
        { RAM_BASE - 512, 512 },                /* below RAM */
        { 0, 512 },
        { UINT64_MAX - 100, 512 },              /* address wraps */
        { RAM_BASE, 0xffffffff },               /* longer than RAM */
    };
    open_dev(false, NULL);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        driver_init(8, F_VERSION_1);
        uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
        set_desc((h + 1) % 8, bad[i][0], (uint32_t)bad[i][1], D_NEXT | D_WRITE, (h + 2) % 8);
        submit(h);
        notify();
        expect_needs_reset(0);
        cr_assert_eq(req_status(0), 0xee, "case %u: nothing written", i);
    }
    expect_recovers();
}

Test(virtio, missing_status_descriptor)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    st32(HDR_GPA, VIRTIO_BLK_T_IN);
    set_desc(0, HDR_GPA, 16, 0, 0);      /* header only */
    submit(0);
    notify();
    expect_needs_reset(0);
    expect_recovers();
}

Test(virtio, short_header)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    set_desc(0, HDR_GPA, 8, D_NEXT, 1);
    set_desc(1, STATUS_GPA, 1, D_WRITE, 0);
    *gp(STATUS_GPA) = 0xee;
    submit(0);
    notify();
    expect_needs_reset(0);
    cr_assert_eq(*gp(STATUS_GPA), 0xee);
}

Test(virtio, readable_after_writable)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    set_desc(0, STATUS_GPA, 1, D_WRITE | D_NEXT, 1);
    set_desc(1, HDR_GPA, 16, 0, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
}

/* A two-descriptor indirect request in slot 0 when INDIRECT_DESC was not negotiated: the
 * device must refuse it (NEEDS_RESET) without completing anything. */
static void expect_indirect_refused(void)
{
    set_desc_in(INDIR_GPA, 0, HDR_GPA, 16, D_NEXT, 1);
    set_desc_in(INDIR_GPA, 1, STATUS_GPA, 1, D_WRITE, 0);
    set_desc(0, INDIR_GPA, 32, D_INDIRECT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
}

Test(virtio, bad_indirect)
{
    open_dev(false, NULL);
    /* Indirect without the feature. */
    driver_init(8, F_VERSION_1);
    expect_indirect_refused();
    /* Nested indirect table. */
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    set_desc_in(INDIR_GPA, 1, INDIR_GPA, 32, D_INDIRECT, 0);
    set_desc(0, INDIR_GPA, 32, D_INDIRECT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
    /* Table size not a multiple of 16, table outside RAM, index out of the table. */
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    set_desc(0, INDIR_GPA, 24, D_INDIRECT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    set_desc(0, RAM_BASE + RAM_SIZE - 16, 32, D_INDIRECT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    set_desc_in(INDIR_GPA, 0, HDR_GPA, 16, D_NEXT, 2);
    set_desc(0, INDIR_GPA, 32, D_INDIRECT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
    /* A loop inside the table. */
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    set_desc_in(INDIR_GPA, 0, HDR_GPA, 16, D_NEXT, 1);
    set_desc_in(INDIR_GPA, 1, HDR_GPA, 16, D_NEXT, 0);
    set_desc(0, INDIR_GPA, 32, D_INDIRECT, 0);
    submit(0);
    notify();
    expect_needs_reset(0);
    expect_recovers();
}

Test(virtio, avail_idx_runaway)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    st16(AVAIL_GPA + 2, 9);   /* 9 new entries in a queue of 8 */
    notify();
    expect_needs_reset(0);
    expect_recovers();
}

Test(virtio, bad_queue_setup)
{
    static const struct {
        unsigned num;
        uint64_t desc, avail, used;
    } bad[] = {
        { 0, DESC_GPA, AVAIL_GPA, USED_GPA },
        { 6, DESC_GPA, AVAIL_GPA, USED_GPA },
        { 512, DESC_GPA, AVAIL_GPA, USED_GPA },
        { 8, RAM_BASE + RAM_SIZE - 64, AVAIL_GPA, USED_GPA },
        { 8, DESC_GPA, 0x1000, USED_GPA },
        { 8, DESC_GPA, AVAIL_GPA, RAM_BASE + RAM_SIZE - 32 },
        { 8, DESC_GPA + 8, AVAIL_GPA, USED_GPA },
        { 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2 },
        { 8, DESC_GPA, AVAIL_GPA, UINT64_MAX - 3 },
    };
    open_dev(false, NULL);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        wr(R_STATUS, 0);
        wr(R_STATUS, S_ACK | S_DRIVER);
        set_drv_features(F_VERSION_1);
        wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
        setup_queue(bad[i].num, bad[i].desc, bad[i].avail, bad[i].used);
        cr_assert_eq(rd(R_QUEUE_READY), 0, "case %u", i);
        cr_assert(rd(R_STATUS) & S_NEEDS_RESET, "case %u", i);
        cr_assert(rd(R_INT_STATUS) & 2, "case %u", i);
        cr_assert(atomic_load(&irq_level), "case %u", i);
        /* DRIVER_OK and a notify do nothing. */
        wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
        notify();
        cr_assert(rd(R_STATUS) & S_NEEDS_RESET);
    }
    expect_recovers();
}

Test(virtio, reset_clears_everything)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1 | F_INDIRECT);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    run_req(0, h, 513);
    submit(9);   /* malformed too */
    notify();
    cr_assert(rd(R_STATUS) & S_NEEDS_RESET);
    cr_assert_eq(rd(R_INT_STATUS), 3);
    wr(R_STATUS, 0);
    cr_assert_eq(rd(R_STATUS), 0);
    cr_assert_eq(rd(R_INT_STATUS), 0);
    cr_assert(!atomic_load(&irq_level));
    cr_assert_eq(rd(R_QUEUE_READY), 0);
    cr_assert_null(virtio_mmio_error(dev));
    /* Indices restart from 0 on the re-enabled queue. */
    expect_recovers();
    cr_assert_eq(used_idx(), 1);
    cr_assert_eq(used_id(0), 0);
    /* Driver features are forgotten by a reset: with only word 1 (VERSION_1) written after
     * it, INDIRECT_DESC, negotiated before, is not, and an indirect descriptor is malformed. */
    wr(R_STATUS, 0);
    memset(gp(DESC_GPA), 0, 0x3000);
    drv_avail_idx = 0;
    next_desc = 0;
    wr(R_STATUS, S_ACK | S_DRIVER);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, 1);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    cr_assert_eq(rd(R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(8, DESC_GPA, AVAIL_GPA, USED_GPA);
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    expect_indirect_refused();
}

Test(virtio, machine_reset)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    run_req(0, h, 513);
    cr_assert(atomic_load(&irq_level));
    virtio_mmio_reset(dev);
    cr_assert_eq(rd(R_STATUS), 0);
    cr_assert_eq(rd(R_INT_STATUS), 0);
    cr_assert_eq(rd(R_QUEUE_READY), 0);
    cr_assert(!atomic_load(&irq_level));
    expect_recovers();
}

Test(virtio, queue_registers_frozen_while_ready)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    wr(R_QUEUE_NUM, 4);
    wr(R_DESC_LO, 0x1234);
    uint16_t h = make_req(0, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    cr_assert_eq(run_req(0, h, 513), VIRTIO_BLK_S_OK);
    wr(R_QUEUE_READY, 0);
    cr_assert_eq(rd(R_QUEUE_READY), 0);
    h = make_req(1, VIRTIO_BLK_T_IN, 0, DATA_GPA, 512, true);
    submit(h);
    notify();
    cr_assert_eq(used_idx(), 1, "a disabled queue is not processed");
}

/* ---- image handling ---------------------------------------------------------------------- */

Test(virtio, open_errors, .timeout = 20)
{
    Error *err = NULL;
    char path[160];
    snprintf(path, sizeof(path), "%s/missing.raw", tmpdir);
    cr_assert_null(virtio_blk_open(path, false, NULL, &err));
    const char *msg = error_get_pretty(err);
    cr_assert(strstr(msg, "missing.raw") && strstr(msg, "No such file"), "%s", msg);
    error_free(err);
    err = NULL;
    cr_assert_null(virtio_blk_open(tmpdir, true, NULL, &err));
    cr_assert(strstr(error_get_pretty(err), "not a regular file"), "%s", error_get_pretty(err));
    error_free(err);
    err = NULL;
    /* A FIFO is refused at once, whether opened for reading or for writing (opening one
     * without O_NONBLOCK waits for a peer). */
    snprintf(path, sizeof(path), "%s/disk.fifo", tmpdir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    for (int readonly = 0; readonly <= 1; readonly++) {
        cr_assert_null(virtio_blk_open(path, readonly, NULL, &err));
        cr_assert(strstr(error_get_pretty(err), "not a regular file"), "%s",
                  error_get_pretty(err));
        error_free(err);
        err = NULL;
    }
    /* A partial last sector is dropped from the capacity. */
    snprintf(path, sizeof(path), "%s/odd.raw", tmpdir);
    make_image(path, 3 * 512 + 100);
    VirtioBlk *b = virtio_blk_open(path, false, NULL, &err);
    cr_assert_not_null(b, "%s", err ? error_get_pretty(err) : "");
    cr_assert_eq(virtio_blk_capacity(b), 3);
    virtio_blk_close(b);
}

/* ---- concurrency ------------------------------------------------------------------------- */

static atomic_bool hammer_stop;

static void *hammer(void *arg)
{
    (void)arg;
    while (!atomic_load(&hammer_stop)) {
        (void)rd(R_STATUS);
        (void)rd(R_INT_STATUS);
        (void)virtio_mmio_ops.read(dev, R_CONFIG, 8);
        wr(R_INT_ACK, 1);
    }
    return NULL;
}

Test(virtio, concurrent_register_access)
{
    open_dev(false, NULL);
    driver_init(8, F_VERSION_1);
    atomic_store(&hammer_stop, false);
    pthread_t t[3];
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, NULL), 0);
    }
    for (unsigned n = 0; n < 2000; n++) {
        next_desc = 0;
        uint16_t h = make_req(0, VIRTIO_BLK_T_IN, n % IMG_SECTORS, DATA_GPA, 512, true);
        cr_assert_eq(run_req(0, h, 513), VIRTIO_BLK_S_OK);
    }
    atomic_store(&hammer_stop, true);
    for (unsigned i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    cr_assert_eq(rd(R_STATUS) & S_NEEDS_RESET, 0);
}
