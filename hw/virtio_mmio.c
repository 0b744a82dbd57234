/* virtio-mmio version 2 transport and split virtqueue (virtio 1.2, 4.2 and 2.7).
 *
 * Requirement: vCPU threads access the registers concurrently; the driver places requests in
 * guest RAM that other vCPU threads keep writing; the device must never crash or touch memory
 * outside guest RAM whatever the guest writes.
 * Current solution: one mutex per transport serialises the register file and queue
 * processing. QueueNotify processes the queue synchronously on the notifying vCPU thread,
 * under the mutex: every available chain is mapped (each buffer checked against guest RAM),
 * handed to the device, and completed in the used ring before the write returns. Ring
 * addresses are checked once when the driver sets QueueReady. Any malformed input sets
 * DEVICE_NEEDS_RESET, raises a configuration-change interrupt, and stops all processing until
 * the driver writes 0 to Status.
 * Drivers written for older devices, compared with QEMU 7.2's version-2 transport: one that
 * never accepts VIRTIO_F_VERSION_1 (it only knows the low feature word, as xv6-riscv) is
 * accepted and served the same way; InterruptACK takes any subset of InterruptStatus (the
 * usual `ack = status & 3`); ConfigGeneration is a constant 0 (nothing in virtio-blk's
 * configuration changes while the device exists); the version-1 registers GuestPageSize,
 * QueueAlign and QueuePFN read 0 and ignore writes (logged with -d guest_errors), so a
 * version-1 driver's queue never goes live, as in QEMU without force-legacy=on.
 * Known limitation: one queue, no VIRTIO_F_EVENT_IDX (the driver can only suppress interrupts
 * with VIRTQ_AVAIL_F_NO_INTERRUPT), no version-1 (legacy) transport, and a slow image stalls
 * the notifying vCPU and any vCPU touching this device's registers meanwhile.
 *
 * Lock order: transport lock → the IRQ receiver's lock (irq_set_level) and → whatever
 * ram->written takes (TB invalidation). Neither may call back into the transport. */
#include "hw/virtio_mmio.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hw/virtio_blk.h"
#include "util/log.h"

#define VIRTIO_MMIO_MAGIC 0x74726976u     /* "virt" */
#define VIRTIO_MMIO_VERSION 2u            /* modern (non-legacy) register layout */
#define VIRTIO_MMIO_VENDOR 0x554d4551u    /* "QEMU", as QEMU's transports */

/* Register offsets (virtio 1.2, 4.2.2). */
enum {
    REG_MAGIC = 0x000,
    REG_VERSION = 0x004,
    REG_DEVICE_ID = 0x008,
    REG_VENDOR_ID = 0x00c,
    REG_DEVICE_FEATURES = 0x010,
    REG_DEVICE_FEATURES_SEL = 0x014,
    REG_DRIVER_FEATURES = 0x020,
    REG_DRIVER_FEATURES_SEL = 0x024,
    REG_QUEUE_SEL = 0x030,
    REG_QUEUE_NUM_MAX = 0x034,
    REG_QUEUE_NUM = 0x038,
    REG_QUEUE_READY = 0x044,
    /* Version 1 (legacy) only: GuestPageSize, QueueAlign, QueuePFN. */
    REG_LEGACY_GUEST_PAGE_SIZE = 0x028,
    REG_LEGACY_QUEUE_ALIGN = 0x03c,
    REG_LEGACY_QUEUE_PFN = 0x040,
    REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060,
    REG_INTERRUPT_ACK = 0x064,
    REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080,
    REG_QUEUE_DESC_HIGH = 0x084,
    REG_QUEUE_DRIVER_LOW = 0x090,
    REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0,
    REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_SHM_SEL = 0x0ac,
    REG_SHM_LEN_LOW = 0x0b0,
    REG_SHM_LEN_HIGH = 0x0b4,
    REG_SHM_BASE_LOW = 0x0b8,
    REG_SHM_BASE_HIGH = 0x0bc,
    REG_CONFIG_GENERATION = 0x0fc,
    REG_CONFIG = 0x100,
};

/* Device status bits (2.1). */
#define STATUS_ACKNOWLEDGE 0x01
#define STATUS_DRIVER 0x02
#define STATUS_DRIVER_OK 0x04
#define STATUS_FEATURES_OK 0x08
#define STATUS_NEEDS_RESET 0x40
#define STATUS_FAILED 0x80

/* InterruptStatus bits (4.2.2). */
#define INT_USED_BUFFER 0x1
#define INT_CONFIG_CHANGE 0x2

/* Transport feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1 32

/* Split virtqueue layout (2.7). */
#define VIRTQ_DESC_BYTES 16
#define VIRTQ_DESC_F_NEXT 0x1
#define VIRTQ_DESC_F_WRITE 0x2
#define VIRTQ_DESC_F_INDIRECT 0x4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 0x1
#define VIRTQ_RING_HDR_BYTES 4    /* le16 flags, le16 idx, then the ring */
#define VIRTQ_USED_ELEM_BYTES 8   /* le32 id, le32 len */

#define VIRTIO_MMIO_QUEUES 1      /* virtio-blk without VIRTIO_BLK_F_MQ: one request queue */

typedef struct VirtQueue {
    /* Registers, under s->lock; the driver may change them only while !ready. */
    uint32_t num;               /* QueueNum as written; checked when ready goes to 1 */
    bool ready;
    uint64_t desc, avail, used; /* guest-physical ring addresses */
    /* Valid while ready, under s->lock: host views of the rings, checked against RAM. */
    uint8_t *desc_host, *avail_host, *used_host;
    uint16_t last_avail;        /* free-running index of the next avail entry to consume */
    uint16_t used_idx;          /* free-running value last published in used->idx */
} VirtQueue;

struct VirtioMMIO {
    /* Serialises the register file and queue processing (see the file comment). */
    pthread_mutex_t lock;

    /* Constant after creation. */
    VirtioBlk *blk;             /* NULL: empty slot */
    uint32_t device_id;         /* 0 for an empty slot */
    DMARam ram;
    IRQLine irq;
    uint64_t host_features;     /* offered feature bits */
    uint8_t config[VIRTIO_BLK_CONFIG_BYTES];   /* device configuration space, little endian */

    /* Under lock. */
    uint32_t status;
    uint32_t int_status;        /* InterruptStatus; the line is high while it is non-zero */
    bool irq_level;             /* the level last driven on irq */
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint64_t drv_features;      /* DriverFeatures, words 0 and 1 */
    bool drv_features_unknown;  /* the driver set a bit in a word above 1 (never offered) */
    const char *error;          /* first reason for DEVICE_NEEDS_RESET, NULL if none */
    VirtQueue vq[VIRTIO_MMIO_QUEUES];
    VirtqSeg segs[VIRTQ_MAX_SEGS];   /* the chain being processed */
};

/* ---- little-endian access to guest RAM ------------------------------------------------- */

/* Ring index fields are shared with vCPU threads running the driver: they are accessed as
 * atomics. The rings were checked to be 2/4-byte aligned in guest-physical space, and guest
 * RAM is page aligned on the host, so the host addresses are aligned too. */
static _Atomic uint16_t *ring_field(uint8_t *p)
{
    return (_Atomic uint16_t *)(void *)p;
}

/* ---- interrupts and errors -------------------------------------------------------------- */

static void update_irq_locked(VirtioMMIO *s)
{
    bool level = s->int_status != 0;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set_level(&s->irq, level);
    }
}

/* The driver broke the protocol: stop until reset and tell it (2.1.2: NEEDS_RESET comes
 * with a configuration-change notification). */
static void needs_reset_locked(VirtioMMIO *s, const char *why)
{
    if (!s->error) {
        s->error = why;
    }
    s->status |= STATUS_NEEDS_RESET;
    s->int_status |= INT_CONFIG_CHANGE;
    update_irq_locked(s);
}

static void reset_locked(VirtioMMIO *s)
{
    s->status = 0;
    s->int_status = 0;
    s->dev_features_sel = s->drv_features_sel = s->queue_sel = 0;
    s->drv_features = 0;
    s->drv_features_unknown = false;
    s->error = NULL;
    memset(s->vq, 0, sizeof(s->vq));
    update_irq_locked(s);
}

/* ---- descriptor chains ------------------------------------------------------------------ */

/* Collect the chain starting at `head` into s->segs and describe it in *req. Returns 0, or
 * -EINVAL with *why set; nothing in guest RAM is written either way. */
static int chain_map_locked(VirtioMMIO *s, const VirtQueue *vq, uint16_t head, VirtqReq *req,
                            const char **why)
{
    const uint8_t *table = vq->desc_host;
    uint32_t table_n = vq->num;
    uint32_t idx = head;
    uint32_t visited = 0;        /* descriptors of the current table; more than it holds = loop */
    bool indirect = false;
    bool seen_write = false;
    unsigned n = 0, n_out = 0;
    uint64_t out_len = 0, in_len = 0;

    for (;;) {
        if (idx >= table_n) {
            *why = indirect ? "virtio: indirect descriptor index out of range"
                            : "virtio: descriptor index out of range";
            return -EINVAL;
        }
        if (++visited > table_n) {
            *why = "virtio: descriptor chain loops (longer than its table)";
            return -EINVAL;
        }
        const uint8_t *d = table + (size_t)idx * VIRTQ_DESC_BYTES;
        uint64_t addr = ld_le64(d);
        uint32_t len = ld_le32(d + 8);
        uint16_t flags = ld_le16(d + 12);
        uint16_t next = ld_le16(d + 14);

        if (flags & VIRTQ_DESC_F_INDIRECT) {
            if (!(s->drv_features & (1ULL << VIRTIO_F_INDIRECT_DESC))) {
                *why = "virtio: indirect descriptor without VIRTIO_F_INDIRECT_DESC";
                return -EINVAL;
            }
            if (indirect) {
                *why = "virtio: indirect descriptor inside an indirect table";
                return -EINVAL;
            }
            if (flags & VIRTQ_DESC_F_NEXT) {
                *why = "virtio: indirect descriptor with NEXT set";
                return -EINVAL;
            }
            if (len == 0 || len % VIRTQ_DESC_BYTES || len / VIRTQ_DESC_BYTES > VIRTQ_MAX_SEGS) {
                *why = "virtio: indirect table size not a multiple of 16 in 16..4096";
                return -EINVAL;
            }
            table = dma_ram_ptr(&s->ram, addr, len);
            if (!table) {
                *why = "virtio: indirect table outside RAM";
                return -EINVAL;
            }
            table_n = len / VIRTQ_DESC_BYTES;
            idx = 0;
            visited = 0;
            indirect = true;
            continue;
        }

        bool writable = flags & VIRTQ_DESC_F_WRITE;
        if (!writable && seen_write) {
            *why = "virtio: device-readable descriptor after a device-writable one";
            return -EINVAL;
        }
        seen_write |= writable;
        if (len) {
            uint8_t *host = dma_ram_ptr(&s->ram, addr, len);
            if (!host) {
                *why = "virtio: buffer outside RAM";
                return -EINVAL;
            }
            if (n == VIRTQ_MAX_SEGS) {
                *why = "virtio: descriptor chain longer than 256 buffers";
                return -EINVAL;
            }
            s->segs[n++] = (VirtqSeg){ .host = host, .gpa = addr, .len = len };
            if (writable) {
                in_len += len;
            } else {
                out_len += len;
                n_out++;
            }
        }
        if (!(flags & VIRTQ_DESC_F_NEXT)) {
            break;
        }
        idx = next;
    }
    *req = (VirtqReq){ .out = s->segs, .n_out = n_out, .out_len = out_len,
                       .in = s->segs + n_out, .n_in = n - n_out, .in_len = in_len,
                       .ram = &s->ram };
    return 0;
}

/* ---- queue processing ------------------------------------------------------------------- */

/* Consume every chain the driver has made available so far and complete it in the used
 * ring. Chains made available while this runs are picked up by the notify that follows them
 * (the driver always notifies: this device never sets VIRTQ_USED_F_NO_NOTIFY). */
static void queue_process_locked(VirtioMMIO *s, VirtQueue *vq)
{
    if ((s->status & (STATUS_DRIVER_OK | STATUS_NEEDS_RESET)) != STATUS_DRIVER_OK ||
        !vq->ready) {
        return;
    }
    uint16_t mask = (uint16_t)(vq->num - 1);
    /* Acquire: pairs with the driver's fence (RISC-V `fence w,w` or stronger, executed by
     * the vCPU thread as a host fence) between writing descriptors and avail->ring[] and
     * storing avail->idx. Descriptor, ring and buffer reads below cannot see older values. */
    uint16_t avail_idx =
        le16toh(atomic_load_explicit(ring_field(vq->avail_host + 2), memory_order_acquire));
    if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
        needs_reset_locked(s, "virtio: avail->idx is more than QueueNum ahead of the device");
        return;
    }
    unsigned completed = 0;
    while (vq->last_avail != avail_idx) {
        uint16_t head = ld_le16(vq->avail_host + VIRTQ_RING_HDR_BYTES +
                                2 * (vq->last_avail & mask));
        VirtqReq req;
        const char *why;
        uint32_t written;
        if (chain_map_locked(s, vq, head, &req, &why) != 0 ||
            virtio_blk_handle(s->blk, &req, &written, &why) != 0) {
            needs_reset_locked(s, why);
            break;
        }
        uint8_t *elem = vq->used_host + VIRTQ_RING_HDR_BYTES +
                        VIRTQ_USED_ELEM_BYTES * (vq->used_idx & mask);
        st_le32(elem, head);
        st_le32(elem + 4, written);
        vq->used_idx++;
        vq->last_avail++;
        /* Release: the used element and the request's data and status bytes are visible
         * before the new idx. Pairs with the driver's read of used->idx followed by its
         * `fence r,r` (or stronger) on whichever vCPU thread polls or takes the interrupt. */
        atomic_store_explicit(ring_field(vq->used_host + 2), htole16(vq->used_idx),
                              memory_order_release);
        completed++;
    }
    if (!completed) {
        return;
    }
    dma_ram_written(&s->ram, vq->used, VIRTQ_RING_HDR_BYTES + VIRTQ_USED_ELEM_BYTES * vq->num);
    /* Full fence: orders the used->idx store before the avail->flags load (store→load).
     * Pairs with the driver's full fence between clearing VIRTQ_AVAIL_F_NO_INTERRUPT and
     * re-reading used->idx: either the driver sees the new idx, or we see the cleared flag. */
    atomic_thread_fence(memory_order_seq_cst);
    uint16_t flags =
        le16toh(atomic_load_explicit(ring_field(vq->avail_host), memory_order_relaxed));
    if (!(flags & VIRTQ_AVAIL_F_NO_INTERRUPT)) {
        s->int_status |= INT_USED_BUFFER;
        update_irq_locked(s);
    }
}

/* QueueReady 0 → 1: the driver promises the rings are set up. Check them once here so that
 * processing can use host pointers without further checks. */
static void queue_enable_locked(VirtioMMIO *s, VirtQueue *vq)
{
    uint32_t num = vq->num;
    if (num == 0 || num > VIRTQ_NUM_MAX || (num & (num - 1))) {
        needs_reset_locked(s, "virtio: QueueNum is 0, above QueueNumMax or not a power of 2");
        return;
    }
    /* Alignments and sizes of the split virtqueue parts (2.7): the avail and used rings
     * include the trailing event field even though EVENT_IDX is not offered. */
    if (vq->desc % 16 || vq->avail % 2 || vq->used % 4) {
        needs_reset_locked(s, "virtio: misaligned virtqueue address");
        return;
    }
    uint8_t *desc = dma_ram_ptr(&s->ram, vq->desc, (uint64_t)VIRTQ_DESC_BYTES * num);
    uint8_t *avail = dma_ram_ptr(&s->ram, vq->avail, 6 + 2 * (uint64_t)num);
    uint8_t *used = dma_ram_ptr(&s->ram, vq->used, 6 + (uint64_t)VIRTQ_USED_ELEM_BYTES * num);
    if (!desc || !avail || !used) {
        needs_reset_locked(s, "virtio: virtqueue outside RAM");
        return;
    }
    vq->desc_host = desc;
    vq->avail_host = avail;
    vq->used_host = used;
    vq->last_avail = 0;
    vq->used_idx = 0;
    vq->ready = true;
}

/* ---- status and features ---------------------------------------------------------------- */

/* Any subset of what is offered. VIRTIO_F_VERSION_1 is not required: drivers written for
 * the low feature word only (xv6-riscv reads DeviceFeatures and writes DriverFeatures through
 * selector 0 and never sees bit 32) work on QEMU's version-2 transport, which accepts them,
 * and the device then behaves exactly as with VERSION_1 (on a little-endian guest the
 * legacy and modern layouts of virtio-blk's header and config space are the same). */
static bool features_acceptable_locked(const VirtioMMIO *s)
{
    return !s->drv_features_unknown && !(s->drv_features & ~s->host_features);
}

static void status_write_locked(VirtioMMIO *s, uint32_t value)
{
    value &= 0xff;
    if (value == 0) {
        reset_locked(s);
        return;
    }
    uint32_t old = s->status;
    /* NEEDS_RESET is the device's to set and stays until reset. */
    uint32_t status = (value & ~(uint32_t)STATUS_NEEDS_RESET) | (old & STATUS_NEEDS_RESET);
    /* FEATURES_OK does not stick unless the driver accepted a subset of what is offered;
     * the driver reads it back (3.1.1). */
    if ((status & STATUS_FEATURES_OK) && !(old & STATUS_FEATURES_OK) &&
        !features_acceptable_locked(s)) {
        status &= ~(uint32_t)STATUS_FEATURES_OK;
    }
    /* DRIVER_OK without negotiated features is ignored (no queue will run). */
    if (!(status & STATUS_FEATURES_OK)) {
        status &= ~(uint32_t)STATUS_DRIVER_OK;
    }
    s->status = status;
    /* The device may not use buffers before DRIVER_OK (3.1.1); run what was queued and
     * notified early. */
    if ((status & STATUS_DRIVER_OK) && !(old & STATUS_DRIVER_OK)) {
        for (unsigned q = 0; q < VIRTIO_MMIO_QUEUES; q++) {
            queue_process_locked(s, &s->vq[q]);
        }
    }
}

/* ---- register access -------------------------------------------------------------------- */

static uint64_t config_read(const VirtioMMIO *s, uint64_t off, unsigned size)
{
    /* Constant after creation: no lock. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++) {
        if (off + i < sizeof(s->config)) {
            v |= (uint64_t)s->config[off + i] << (8 * i);
        }
    }
    return v;
}

static VirtQueue *selected_queue_locked(VirtioMMIO *s)
{
    return s->queue_sel < VIRTIO_MMIO_QUEUES ? &s->vq[s->queue_sel] : NULL;
}

static uint32_t reg_read_locked(VirtioMMIO *s, uint64_t offset)
{
    VirtQueue *vq = selected_queue_locked(s);
    switch (offset) {
    case REG_DEVICE_FEATURES:
        return s->dev_features_sel < 2 ? (uint32_t)(s->host_features >> (32 * s->dev_features_sel))
                                       : 0;
    case REG_QUEUE_NUM_MAX:
        return vq ? VIRTQ_NUM_MAX : 0;
    case REG_QUEUE_READY:
        return vq ? vq->ready : 0;
    case REG_INTERRUPT_STATUS:
        return s->int_status;
    case REG_STATUS:
        return s->status;
    case REG_SHM_LEN_LOW:
    case REG_SHM_LEN_HIGH:
    case REG_SHM_BASE_LOW:
    case REG_SHM_BASE_HIGH:
        return UINT32_MAX;    /* no shared memory regions: length -1 (4.2.2) */
    case REG_CONFIG_GENERATION:
        return 0;             /* the configuration never changes while the device exists */
    default:
        return 0;             /* write-only and reserved registers */
    }
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    VirtioMMIO *s = opaque;
    if (offset >= REG_CONFIG) {
        return config_read(s, offset - REG_CONFIG, size);
    }
    if (size != 4 || (offset & 3)) {
        return 0;
    }
    switch (offset) {
    case REG_MAGIC:
        return VIRTIO_MMIO_MAGIC;
    case REG_VERSION:
        return VIRTIO_MMIO_VERSION;
    case REG_DEVICE_ID:
        return s->device_id;
    case REG_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    default:
        break;
    }
    if (!s->blk) {
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    uint32_t v = reg_read_locked(s, offset);
    pthread_mutex_unlock(&s->lock);
    return v;
}

static void set_low(uint64_t *reg, uint32_t v)
{
    *reg = (*reg & 0xffffffff00000000ULL) | v;
}

static void set_high(uint64_t *reg, uint32_t v)
{
    *reg = (*reg & 0xffffffffULL) | ((uint64_t)v << 32);
}

static void reg_write_locked(VirtioMMIO *s, uint64_t offset, uint32_t v)
{
    VirtQueue *vq = selected_queue_locked(s);
    /* Queue registers other than QueueReady are frozen while the queue is live. */
    VirtQueue *vq_setup = vq && !vq->ready ? vq : NULL;
    switch (offset) {
    case REG_DEVICE_FEATURES_SEL:
        s->dev_features_sel = v;
        break;
    case REG_DRIVER_FEATURES:
        if (s->status & STATUS_FEATURES_OK) {
            break;    /* features are final once FEATURES_OK stuck */
        }
        if (s->drv_features_sel == 0) {
            set_low(&s->drv_features, v);
        } else if (s->drv_features_sel == 1) {
            set_high(&s->drv_features, v);
        } else if (v) {
            s->drv_features_unknown = true;
        }
        break;
    case REG_DRIVER_FEATURES_SEL:
        s->drv_features_sel = v;
        break;
    case REG_QUEUE_SEL:
        s->queue_sel = v;
        break;
    case REG_QUEUE_NUM:
        if (vq_setup) {
            vq_setup->num = v;
        }
        break;
    case REG_QUEUE_READY:
        if (vq && !(v & 1)) {
            vq->ready = false;
        } else if (vq_setup) {
            queue_enable_locked(s, vq_setup);
        }
        break;
    case REG_QUEUE_NOTIFY:
        if (v < VIRTIO_MMIO_QUEUES) {
            queue_process_locked(s, &s->vq[v]);
        }
        break;
    case REG_INTERRUPT_ACK:
        s->int_status &= ~v;
        update_irq_locked(s);
        break;
    case REG_STATUS:
        status_write_locked(s, v);
        break;
    case REG_QUEUE_DESC_LOW:
        if (vq_setup) {
            set_low(&vq_setup->desc, v);
        }
        break;
    case REG_QUEUE_DESC_HIGH:
        if (vq_setup) {
            set_high(&vq_setup->desc, v);
        }
        break;
    case REG_QUEUE_DRIVER_LOW:
        if (vq_setup) {
            set_low(&vq_setup->avail, v);
        }
        break;
    case REG_QUEUE_DRIVER_HIGH:
        if (vq_setup) {
            set_high(&vq_setup->avail, v);
        }
        break;
    case REG_QUEUE_DEVICE_LOW:
        if (vq_setup) {
            set_low(&vq_setup->used, v);
        }
        break;
    case REG_QUEUE_DEVICE_HIGH:
        if (vq_setup) {
            set_high(&vq_setup->used, v);
        }
        break;
    case REG_LEGACY_GUEST_PAGE_SIZE:
    case REG_LEGACY_QUEUE_ALIGN:
    case REG_LEGACY_QUEUE_PFN:
        /* A version-1 driver on this version-2 device: ignored, as QEMU does without
         * force-legacy; its queue never becomes ready, so it fails visibly. */
        log_mask(LOG_GUEST_ERRORS, "virtio-mmio: write of legacy (version 1) register 0x%03x "
                 "ignored: this transport is version 2\n", (unsigned)offset);
        break;
    default:
        break;    /* read-only, reserved, SHMSel (no regions) */
    }
}

static void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    VirtioMMIO *s = opaque;
    /* The configuration space of virtio-blk is read-only without VIRTIO_BLK_F_CONFIG_WCE;
     * an empty slot has nothing to write; registers take only aligned 32-bit writes. */
    if (offset >= REG_CONFIG || !s->blk || size != 4 || (offset & 3)) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    reg_write_locked(s, offset, (uint32_t)value);
    pthread_mutex_unlock(&s->lock);
}

const MMIOOps virtio_mmio_ops = { virtio_mmio_read, virtio_mmio_write };

/* ---- creation --------------------------------------------------------------------------- */

static VirtioMMIO *virtio_mmio_alloc(void)
{
    VirtioMMIO *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

VirtioMMIO *virtio_mmio_new_empty(void)
{
    return virtio_mmio_alloc();
}

VirtioMMIO *virtio_mmio_new_blk(VirtioBlk *blk, const DMARam *ram, const IRQLine *irq)
{
    VirtioMMIO *s = virtio_mmio_alloc();
    if (!s) {
        return NULL;
    }
    s->blk = blk;
    s->device_id = VIRTIO_ID_BLOCK;
    s->ram = *ram;
    s->irq = *irq;
    s->host_features = virtio_blk_features(blk) | (1ULL << VIRTIO_F_VERSION_1) |
                       (1ULL << VIRTIO_F_INDIRECT_DESC);
    virtio_blk_config(blk, s->config);
    return s;
}

void virtio_mmio_reset(VirtioMMIO *s)
{
    pthread_mutex_lock(&s->lock);
    reset_locked(s);
    pthread_mutex_unlock(&s->lock);
}

void virtio_mmio_free(VirtioMMIO *s)
{
    if (!s) {
        return;
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const char *virtio_mmio_error(VirtioMMIO *s)
{
    pthread_mutex_lock(&s->lock);
    const char *e = s->error;
    pthread_mutex_unlock(&s->lock);
    return e;
}
