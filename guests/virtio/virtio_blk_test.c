/* Bare-metal virtio-blk driver test over virtio-mmio version 2: single hart, M-mode, no DTB,
 * polling the used ring (no interrupts taken). Built twice: as a modern driver (VERSION_1
 * accepted through selector 1), and with -DLOW_WORD_FEATURES as xv6-riscv's driver
 * negotiates (low feature word only, no VERSION_1). Runs unchanged on tlbstorm and on
 *   qemu-system-riscv64 -M virt -bios none -nographic -m 128M -kernel virtio_blk_test.elf \
 *     -global virtio-mmio.force-legacy=false \
 *     -drive file=IMG,if=none,format=raw,id=x0 \
 *     -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
 *
 * Host-side contract (the test runner prepares the image):
 *   - a raw, writable image of at least 16 sectors (8 KiB) attached to slot 0 (0x10001000);
 *   - its first 20 bytes are the ASCII string "TLBSTORM-VIRTIO-TEST" (no terminator);
 *     the rest may be anything. For example:
 *       printf 'TLBSTORM-VIRTIO-TEST' > img.raw && truncate -s 64K img.raw
 * The guest leaves sector 0 intact, so the image can be reused. It writes sectors 1..4 twice;
 * after a PASS, byte i (0..511) of sector s (1..4) is  (s << 5) ^ (i * 7) ^ 0xaa  (mod 256),
 * which the runner may check. Exit: PASS via the SiFive test device, or FAIL with the code
 * of the first failing step (see fail()). */
#include <stdint.h>

#include "harness.h"

#ifdef LOW_WORD_FEATURES
const char *harness_test_name = "virtio_blk_low_word_features";
#else
const char *harness_test_name = "virtio_blk";
#endif

#define VIRTIO0 0x10001000UL

/* virtio-mmio registers (virtio 1.2, 4.2.2). */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
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
#define R_CONFIG 0x100

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

#define F_BLK_SCSI (1u << 7)
#define F_BLK_RO (1u << 5)
#define F_BLK_FLUSH (1u << 9)
#define F_BLK_CONFIG_WCE (1u << 11)
#define F_BLK_MQ (1u << 12)
#define F_ANY_LAYOUT (1u << 27)
#define F_INDIRECT_DESC (1u << 28)
#define F_EVENT_IDX (1u << 29)
#define F_VERSION_1_HI (1u << 0)     /* bit 32: bit 0 of feature word 1 */

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define ST_OK 0
#define ST_IOERR 1
#define ST_UNSUPP 2

#define D_NEXT 1
#define D_WRITE 2

#define QNUM 8
#define SECTOR 512
#define TEST_SECTORS 4               /* sectors 1..4 are written */
#define MIN_CAPACITY 16
#define POLL_LIMIT (1u << 30)

static const char magic_text[20] = "TLBSTORM-VIRTIO-TEST";

/* ---- the split virtqueue, in guest RAM -------------------------------------------------- */

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static struct virtq_desc desc[QNUM] __attribute__((aligned(16)));
static struct {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QNUM];
    uint16_t used_event;
} avail __attribute__((aligned(4)));
static struct {
    uint16_t flags;
    uint16_t idx;
    struct {
        uint32_t id;
        uint32_t len;
    } ring[QNUM];
    uint16_t avail_event;
} used __attribute__((aligned(4)));

/* One request in flight per slot: header, status, data. */
struct req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static struct req_hdr hdr[2] __attribute__((aligned(16)));
static volatile uint8_t status[2];
static uint8_t wbuf[TEST_SECTORS * SECTOR] __attribute__((aligned(16)));
static uint8_t rbuf[(1 + TEST_SECTORS) * SECTOR] __attribute__((aligned(16)));
static uint8_t rbuf2[SECTOR] __attribute__((aligned(16)));
static uint8_t idbuf[20];

static uint16_t used_seen;    /* used->idx as far as the driver has consumed it */

/* ---- helpers (no libc: loops through volatile pointers so GCC emits no memset calls) ---- */

static uint32_t rd(unsigned off)
{
    return *(volatile uint32_t *)(VIRTIO0 + off);
}

static void wr(unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(VIRTIO0 + off) = v;
}

static void fill(void *p, uint8_t v, unsigned n)
{
    volatile uint8_t *b = p;
    for (unsigned i = 0; i < n; i++) {
        b[i] = v;
    }
}

static void __attribute__((noreturn)) fail(int code, const char *what)
{
    harness_puts("virtio_blk: ");
    harness_puts(what);
    harness_puts("\n");
    harness_exit(code);
}

static uint8_t pattern(unsigned sector, unsigned i, unsigned round)
{
    return (uint8_t)((sector << 5) ^ (i * 7) ^ (round * 0x55));
}

/* ---- requests --------------------------------------------------------------------------- */

struct seg {
    void *addr;
    uint32_t len;
    int writable;
};

/* Build a chain header → segs → status in descriptors starting at `first`; return its head.
 * Descriptors are reused by position; one or two requests are in flight at a time. */
static uint16_t build(unsigned slot, unsigned first, uint32_t type, uint64_t sector,
                      const struct seg *segs, unsigned n)
{
    hdr[slot].type = type;
    hdr[slot].reserved = 0;
    hdr[slot].sector = sector;
    status[slot] = 0xee;
    unsigned d = first;
    desc[d] = (struct virtq_desc){ (uintptr_t)&hdr[slot], sizeof(hdr[slot]), D_NEXT,
                                   (uint16_t)(d + 1) };
    for (unsigned i = 0; i < n; i++) {
        d++;
        desc[d] = (struct virtq_desc){ (uintptr_t)segs[i].addr, segs[i].len,
                                       (uint16_t)(D_NEXT | (segs[i].writable ? D_WRITE : 0)),
                                       (uint16_t)(d + 1) };
    }
    d++;
    desc[d] = (struct virtq_desc){ (uintptr_t)&status[slot], 1, D_WRITE, 0 };
    return (uint16_t)first;
}

static void publish(uint16_t head)
{
    avail.ring[avail.idx % QNUM] = head;
    /* Descriptors and the ring entry before the index (the device reads idx with acquire). */
    __asm__ volatile("fence w, w" ::: "memory");
    *(volatile uint16_t *)&avail.idx = (uint16_t)(avail.idx + 1);
}

static void kick(void)
{
    /* avail->idx before the notify write reaches the device. */
    __asm__ volatile("fence w, o" ::: "memory");
    wr(R_QUEUE_NOTIFY, 0);
}

/* Wait until `n` more used entries appear; return the used length of the first of them. */
static uint32_t wait_used(unsigned n)
{
    uint16_t target = (uint16_t)(used_seen + n);
    unsigned spins = 0;
    while (*(volatile uint16_t *)&used.idx != target) {
        if (++spins == POLL_LIMIT) {
            fail(20, "timed out waiting for the used ring");
        }
    }
    /* The index before the entries, data and status bytes it covers. */
    __asm__ volatile("fence r, r" ::: "memory");
    uint32_t len = used.ring[used_seen % QNUM].len;
    used_seen = target;
    if (rd(R_STATUS) & S_NEEDS_RESET) {
        fail(21, "device set DEVICE_NEEDS_RESET");
    }
    return len;
}

/* One request, submitted and completed; returns its status byte. */
static uint8_t run(uint32_t type, uint64_t sector, const struct seg *segs, unsigned n,
                   uint32_t *len)
{
    uint16_t head = build(0, 0, type, sector, segs, n);
    publish(head);
    kick();
    uint32_t l = wait_used(1);
    if (used.ring[(uint16_t)(used_seen - 1) % QNUM].id != head) {
        fail(22, "used ring names the wrong head");
    }
    if (len) {
        *len = l;
    }
    return status[0];
}

/* ---- the test --------------------------------------------------------------------------- */

static unsigned init_device(int *has_flush)
{
    if (rd(R_MAGIC) != 0x74726976) {
        fail(2, "no virtio-mmio transport at 0x10001000");
    }
    if (rd(R_VERSION) != 2) {
        fail(3, "transport is not version 2 (QEMU: -global virtio-mmio.force-legacy=false)");
    }
    if (rd(R_DEVICE_ID) != 2) {
        fail(4, "slot 0 holds no block device (device ID is not 2)");
    }
    wr(R_STATUS, 0);
    if (rd(R_STATUS) != 0) {
        fail(5, "reset did not clear the status");
    }
    wr(R_STATUS, S_ACK);
    wr(R_STATUS, S_ACK | S_DRIVER);
#ifdef LOW_WORD_FEATURES
    /* As xv6-riscv's driver negotiates: the feature selectors are never written (0 after
     * reset), the offered low word is taken minus what the driver does not implement, and
     * VIRTIO_F_VERSION_1 (bit 32) is never seen. QEMU's version-2 transport accepts it. */
    uint32_t lo = rd(R_DEV_FEATURES);
    if (lo & F_BLK_RO) {
        fail(7, "the image is read-only; this test writes sectors 1..4");
    }
    *has_flush = (lo & F_BLK_FLUSH) != 0;
    lo &= ~(F_BLK_RO | F_BLK_SCSI | F_BLK_CONFIG_WCE | F_BLK_MQ | F_ANY_LAYOUT |
            F_EVENT_IDX | F_INDIRECT_DESC);
    wr(R_DRV_FEATURES, lo);
#else
    wr(R_DEV_FEATURES_SEL, 1);
    uint32_t hi = rd(R_DEV_FEATURES);
    wr(R_DEV_FEATURES_SEL, 0);
    uint32_t lo = rd(R_DEV_FEATURES);
    if (!(hi & F_VERSION_1_HI)) {
        fail(6, "VIRTIO_F_VERSION_1 not offered");
    }
    if (lo & F_BLK_RO) {
        fail(7, "the image is read-only; this test writes sectors 1..4");
    }
    *has_flush = (lo & F_BLK_FLUSH) != 0;
    wr(R_DRV_FEATURES_SEL, 0);
    wr(R_DRV_FEATURES, lo & F_BLK_FLUSH);
    wr(R_DRV_FEATURES_SEL, 1);
    wr(R_DRV_FEATURES, F_VERSION_1_HI);
#endif
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(rd(R_STATUS) & S_FEATURES_OK)) {
        fail(8, "FEATURES_OK refused");
    }

    wr(R_QUEUE_SEL, 0);
    if (rd(R_QUEUE_READY) != 0) {
        fail(9, "queue 0 already live after reset");
    }
    if (rd(R_QUEUE_NUM_MAX) < QNUM) {
        fail(10, "QueueNumMax too small");
    }
    fill(desc, 0, sizeof(desc));
    fill(&avail, 0, sizeof(avail));
    fill(&used, 0, sizeof(used));
    used_seen = 0;
    wr(R_QUEUE_NUM, QNUM);
    wr(R_DESC_LO, (uint32_t)(uintptr_t)desc);
    wr(R_DESC_HI, (uint32_t)((uint64_t)(uintptr_t)desc >> 32));
    wr(R_AVAIL_LO, (uint32_t)(uintptr_t)&avail);
    wr(R_AVAIL_HI, (uint32_t)((uint64_t)(uintptr_t)&avail >> 32));
    wr(R_USED_LO, (uint32_t)(uintptr_t)&used);
    wr(R_USED_HI, (uint32_t)((uint64_t)(uintptr_t)&used >> 32));
    wr(R_QUEUE_READY, 1);
    if (rd(R_QUEUE_READY) != 1) {
        fail(11, "QueueReady did not stick");
    }
    wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    if (rd(R_STATUS) != (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)) {
        fail(12, "device did not accept DRIVER_OK");
    }
    /* capacity: le64 at config offset 0, read as two 32-bit halves (4.2.2.2). */
    uint64_t cap = rd(R_CONFIG) | (uint64_t)rd(R_CONFIG + 4) << 32;
    if (cap < MIN_CAPACITY) {
        fail(13, "image smaller than 16 sectors");
    }
    return (unsigned)(cap > 0xffffffffu ? 0xffffffffu : cap);
}

static void write_and_check(unsigned round, int has_flush)
{
    for (unsigned s = 0; s < TEST_SECTORS; s++) {
        for (unsigned i = 0; i < SECTOR; i++) {
            wbuf[s * SECTOR + i] = pattern(1 + s, i, round);
        }
    }
    /* Sectors 1..4 from two buffers of two sectors each. */
    struct seg out[2] = { { wbuf, 2 * SECTOR, 0 }, { wbuf + 2 * SECTOR, 2 * SECTOR, 0 } };
    if (run(T_OUT, 1, out, 2, 0) != ST_OK) {
        fail(30 + (int)round, "write of sectors 1..4 failed");
    }
    if (has_flush) {
        if (run(T_FLUSH, 0, 0, 0, 0) != ST_OK) {
            fail(33, "flush failed");
        }
    }
    /* Sectors 0..4 into one buffer. */
    fill(rbuf, 0, sizeof(rbuf));
    struct seg in[1] = { { rbuf, sizeof(rbuf), 1 } };
    uint32_t len = 0;
    if (run(T_IN, 0, in, 1, &len) != ST_OK) {
        fail(34, "read of sectors 0..4 failed");
    }
    if (len != sizeof(rbuf) + 1) {
        fail(35, "used length of a read is not data + status");
    }
    for (unsigned i = 0; i < sizeof(magic_text); i++) {
        if (rbuf[i] != (uint8_t)magic_text[i]) {
            fail(36, "sector 0 does not start with TLBSTORM-VIRTIO-TEST (see the contract)");
        }
    }
    for (unsigned i = 0; i < TEST_SECTORS * SECTOR; i++) {
        if (rbuf[SECTOR + i] != wbuf[i]) {
            harness_puts("mismatch at byte ");
            harness_put_dec(SECTOR + i);
            harness_puts("\n");
            fail(37, "sectors 1..4 did not read back as written");
        }
    }
}

int main(void)
{
    int has_flush;
    unsigned cap = init_device(&has_flush);
    harness_puts("virtio_blk: capacity ");
    harness_put_dec(cap);
    harness_puts(" sectors\n");

    write_and_check(1, has_flush);
    write_and_check(2, has_flush);

    /* Completion raised InterruptStatus bit 0 (used buffer); acknowledging clears it. */
    if (!(rd(R_INT_STATUS) & 1)) {
        fail(40, "no used-buffer interrupt status");
    }
    wr(R_INT_ACK, rd(R_INT_STATUS));
    if (rd(R_INT_STATUS) != 0) {
        fail(41, "InterruptACK did not clear the status");
    }

    /* Two requests in one notify: GET_ID and a read of sector 3 (in slot 1, descriptors 4+). */
    fill(rbuf2, 0, sizeof(rbuf2));
    fill(idbuf, 0, sizeof(idbuf));
    struct seg id[1] = { { idbuf, sizeof(idbuf), 1 } };
    struct seg in[1] = { { rbuf2, sizeof(rbuf2), 1 } };
    publish(build(0, 0, T_GET_ID, 0, id, 1));
    publish(build(1, 4, T_IN, 3, in, 1));
    kick();
    wait_used(2);
    if (status[0] != ST_OK && status[0] != ST_UNSUPP) {
        fail(42, "GET_ID failed");
    }
    if (status[1] != ST_OK) {
        fail(43, "batched read failed");
    }
    for (unsigned i = 0; i < SECTOR; i++) {
        if (rbuf2[i] != pattern(3, i, 2)) {
            fail(44, "batched read of sector 3 returned wrong data");
        }
    }
    if (status[0] == ST_OK) {
        harness_puts("virtio_blk: id '");
        for (unsigned i = 0; i < sizeof(idbuf) && idbuf[i]; i++) {
            harness_putc((char)idbuf[i]);
        }
        harness_puts("'\n");
    }

    /* A read past the end is an I/O error, an unknown type is unsupported. */
    struct seg far[1] = { { rbuf2, SECTOR, 1 } };
    if (run(T_IN, cap, far, 1, 0) != ST_IOERR) {
        fail(45, "read past the capacity did not fail with IOERR");
    }
    if (run(0xff, 0, 0, 0, 0) != ST_UNSUPP) {
        fail(46, "unknown request type did not answer UNSUPP");
    }
    if (rd(R_STATUS) & S_NEEDS_RESET) {
        fail(47, "device needs reset");
    }
    wr(R_STATUS, 0);
    return 0;
}
