/* virtio block device backend (device ID 2) over a raw image file: feature bits, the
 * configuration space, and one request (IN, OUT, FLUSH, GET_ID) at a time.
 * Callers: open/close on the main thread while no vCPU runs; the rest only from the owning
 * transport (hw/virtio_mmio.c), under its lock, on the notifying vCPU thread.
 * Locking: none of its own; the transport lock serialises every use of one VirtioBlk. */
#ifndef HW_VIRTIO_BLK_H
#define HW_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/virtio_mmio.h"
#include "util/error.h"

typedef struct VirtioBlk VirtioBlk;

#define VIRTIO_ID_BLOCK 2

#define VIRTIO_BLK_SECTOR_SIZE 512     /* the unit of `sector` and `capacity`, fixed by spec */
#define VIRTIO_BLK_ID_BYTES 20         /* GET_ID answer: the id, zero padded, no terminator */

/* Device-specific feature bits (virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

/* Request types, and the status byte the device writes last. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* Request header: le32 type, le32 reserved, le64 sector. */
#define VIRTIO_BLK_REQ_HDR_BYTES 16

/* Bytes of struct virtio_blk_config this device exposes (through write_zeroes_may_unmap and
 * its padding, virtio 1.1 layout); reads beyond it return 0. */
#define VIRTIO_BLK_CONFIG_BYTES 60

/* Open `path` (a regular file or a block device) read-write, or read-only if `readonly`.
 * `id` (NULL: "tlbstorm") is the GET_ID answer, cut to 20 bytes. The capacity is the image
 * size rounded down to whole 512-byte sectors: a partial last sector cannot be accessed.
 * Returns NULL with a message naming the file in *errp on failure. */
VirtioBlk *virtio_blk_open(const char *path, bool readonly, const char *id, Error **errp)
    __attribute__((warn_unused_result));
/* Closes the image (after a final fdatasync if writable). Accepts NULL. */
void virtio_blk_close(VirtioBlk *blk);

/* Capacity in 512-byte sectors. Any thread. */
uint64_t virtio_blk_capacity(const VirtioBlk *blk);

/* The device-specific feature bits offered (the transport adds its own). */
uint64_t virtio_blk_features(const VirtioBlk *blk);
/* Fills cfg with the little-endian configuration space. */
void virtio_blk_config(const VirtioBlk *blk, uint8_t cfg[VIRTIO_BLK_CONFIG_BYTES]);

/* Carries out one request and writes its status byte (the last writable byte). *written is
 * the number of bytes written into the writable buffers, for the used ring. Returns 0, or
 * -EINVAL with *why set (a static string) if the request is malformed: header shorter than
 * 16 bytes or no writable byte for the status. Nothing is written to guest RAM then. I/O
 * errors are not malformed requests: they complete with status IOERR. */
int virtio_blk_handle(VirtioBlk *blk, const VirtqReq *req, uint32_t *written, const char **why)
    __attribute__((warn_unused_result));

#endif
