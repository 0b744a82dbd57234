/* virtio-mmio version 2 (modern, virtio 1.x) transport: the register file, feature and status
 * negotiation, interrupt status, and the split virtqueue (descriptor chains, avail/used rings).
 * Callers: any vCPU thread through virtio_mmio_ops (concurrently); creation and free on the
 * main thread while no vCPU runs. Locking: each transport serialises itself with an internal
 * mutex; queue processing runs under it on the vCPU thread that wrote QueueNotify. */
#ifndef HW_VIRTIO_MMIO_H
#define HW_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/dma.h"
#include "hw/irq.h"
#include "mm/memmap.h"

/* The board places the transports (hw/machine.h: VIRT_VIRTIO_*); each decodes 0x1000 bytes. */

/* Largest queue a driver may configure (QueueNumMax), and the longest descriptor chain the
 * transport accepts, counting the descriptors of an indirect table. */
#define VIRTQ_NUM_MAX 256
#define VIRTQ_MAX_SEGS VIRTQ_NUM_MAX

typedef struct VirtioMMIO VirtioMMIO;
typedef struct VirtioBlk VirtioBlk;

/* One buffer of a descriptor chain, already checked to lie entirely in guest RAM. */
typedef struct VirtqSeg {
    uint8_t *host;      /* host pointer to the buffer (guest RAM stays mapped for the run) */
    uint64_t gpa;       /* its guest-physical address, for dma_ram_written */
    uint32_t len;       /* bytes, never 0 (empty descriptors are dropped) */
} VirtqSeg;

/* A request as the transport hands it to the device: the device-readable buffers, then the
 * device-writable ones, each in chain order (the transport refuses a readable buffer after a
 * writable one). The segments are valid only during the device's handler. */
typedef struct VirtqReq {
    const VirtqSeg *out;  /* device-readable */
    unsigned n_out;
    uint64_t out_len;     /* sum of out[].len */
    const VirtqSeg *in;   /* device-writable */
    unsigned n_in;
    uint64_t in_len;      /* sum of in[].len */
    const DMARam *ram;    /* for dma_ram_written after writing into in[] */
} VirtqReq;

/* An empty slot: reads MagicValue, Version 2, DeviceID 0 (no device) and VendorID, everything
 * else reads 0 and writes are ignored, as QEMU's unpopulated virtio-mmio transports, so a
 * driver probing the slot skips it. Returns NULL only when out of memory. */
VirtioMMIO *virtio_mmio_new_empty(void) __attribute__((warn_unused_result));

/* A block device transport over `blk` (which the transport uses but does not own: close it
 * after virtio_mmio_free). `ram` and `irq` are copied. ram->written, if set, is called with
 * the transport lock held on the notifying vCPU thread: it must not wait for other vCPUs
 * (they may be blocked on this lock). irq->set is likewise called under the transport lock,
 * so the receiver must never call back into the transport. Returns NULL only when out of
 * memory. */
VirtioMMIO *virtio_mmio_new_blk(VirtioBlk *blk, const DMARam *ram, const IRQLine *irq)
    __attribute__((warn_unused_result));

/* Machine reset: as if the driver wrote 0 to Status (queues off, features and interrupt
 * status cleared, the line lowered if it was high). Any thread; vCPUs normally stopped. */
void virtio_mmio_reset(VirtioMMIO *s);

/* Main thread, with no vCPU running. Accepts NULL. Does not lower the interrupt line. */
void virtio_mmio_free(VirtioMMIO *s);

/* Why the transport last set DEVICE_NEEDS_RESET (a static string), or NULL if it has not
 * since the last reset. For logs and tests; any thread. */
const char *virtio_mmio_error(VirtioMMIO *s);

/* Register accesses (offsets below 0x100) must be 32 bits wide and aligned: other sizes read
 * 0 and their writes are ignored. The device configuration space at 0x100 accepts 1, 2, 4 and
 * 8-byte accesses at any offset. */
extern const MMIOOps virtio_mmio_ops;   /* opaque: VirtioMMIO * */

#endif
