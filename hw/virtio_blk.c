/* virtio block device backend over a raw image (virtio 1.2, 5.2). Requests arrive from the
 * transport as a gathered list of readable and writable guest buffers; the layout inside
 * them is free (VIRTIO_F_VERSION_1 implies any layout): the first 16 readable bytes are the
 * header, the last writable byte is the status, and the data lies in between. Image I/O is
 * synchronous pread/pwrite on the notifying vCPU thread. */
#include "hw/virtio_blk.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/host_file.h"

struct VirtioBlk {
    /* all constant after virtio_blk_open */
    int fd;
    bool readonly;
    uint64_t capacity;                 /* 512-byte sectors, image size rounded down */
    char id[VIRTIO_BLK_ID_BYTES];      /* GET_ID answer, zero padded */
};

/* Offsets in struct virtio_blk_config (virtio 1.2, 5.2.4). */
#define CFG_CAPACITY 0     /* le64 */
#define CFG_SEG_MAX 12     /* le32, valid with VIRTIO_BLK_F_SEG_MAX */
#define CFG_BLK_SIZE 20    /* le32, valid with VIRTIO_BLK_F_BLK_SIZE */

/* Data segments per request: the chain limit minus the header and status buffers. */
#define BLK_SEG_MAX (VIRTQ_MAX_SEGS - 2)

VirtioBlk *virtio_blk_open(const char *path, bool readonly, const char *id, Error **errp)
{
    struct stat st;
    int fd = host_file_open_input(path, readonly ? O_RDONLY : O_RDWR, &st);
    if (fd < 0) {
        int e = -fd;
        if (!readonly && (e == EACCES || e == EROFS || e == EPERM)) {
            error_setg(errp, "%s: cannot open for writing: %s (use readonly=on)", path,
                       strerror(e));
        } else {
            error_setg(errp, "%s: %s", path, strerror(e));
        }
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        error_setg(errp, "%s: not a regular file or block device", path);
        close(fd);
        return NULL;
    }
    /* lseek also sizes block devices, whose st_size is 0. */
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0) {
        error_setg(errp, "%s: cannot determine the size: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    VirtioBlk *blk = calloc(1, sizeof(*blk));
    if (!blk) {
        error_setg(errp, "%s: out of memory", path);
        close(fd);
        return NULL;
    }
    blk->fd = fd;
    blk->readonly = readonly;
    blk->capacity = (uint64_t)size / VIRTIO_BLK_SECTOR_SIZE;
    const char *name = id ? id : "tlbstorm";
    size_t n = strlen(name);
    memcpy(blk->id, name, n < sizeof(blk->id) ? n : sizeof(blk->id));
    return blk;
}

void virtio_blk_close(VirtioBlk *blk)
{
    if (!blk) {
        return;
    }
    if (!blk->readonly) {
        (void)fdatasync(blk->fd);   /* best effort: the guest had FLUSH for durability */
    }
    close(blk->fd);
    free(blk);
}

uint64_t virtio_blk_capacity(const VirtioBlk *blk)
{
    return blk->capacity;
}

uint64_t virtio_blk_features(const VirtioBlk *blk)
{
    uint64_t f = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
                 (1ULL << VIRTIO_BLK_F_FLUSH);
    if (blk->readonly) {
        f |= 1ULL << VIRTIO_BLK_F_RO;
    }
    return f;
}

void virtio_blk_config(const VirtioBlk *blk, uint8_t cfg[VIRTIO_BLK_CONFIG_BYTES])
{
    memset(cfg, 0, VIRTIO_BLK_CONFIG_BYTES);
    st_le64(cfg + CFG_CAPACITY, blk->capacity);
    st_le32(cfg + CFG_SEG_MAX, BLK_SEG_MAX);
    st_le32(cfg + CFG_BLK_SIZE, VIRTIO_BLK_SECTOR_SIZE);
}

/* ---- scatter/gather over the request's buffers ----------------------------------------- */

/* A position in a list of segments, limited to `left` bytes. */
typedef struct SegCursor {
    const VirtqSeg *seg;
    unsigned n;          /* segments from seg[] on */
    uint32_t off;        /* bytes already consumed of seg[0] */
    uint64_t left;       /* bytes the cursor may still hand out */
} SegCursor;

static SegCursor cursor_make(const VirtqSeg *seg, unsigned n, uint64_t skip, uint64_t limit)
{
    SegCursor c = { seg, n, 0, limit };
    while (c.n && skip >= c.seg->len) {
        skip -= c.seg->len;
        c.seg++;
        c.n--;
    }
    c.off = (uint32_t)skip;   /* < c.seg->len, or 0 when the list is used up */
    return c;
}

/* The next contiguous piece (at most `max` bytes), or 0 when done. */
static uint32_t cursor_next(SegCursor *c, uint32_t max, uint8_t **host, uint64_t *gpa)
{
    while (c->n && c->off == c->seg->len) {
        c->seg++;
        c->n--;
        c->off = 0;
    }
    if (!c->n || !c->left) {
        return 0;
    }
    uint32_t len = c->seg->len - c->off;
    if (len > max) {
        len = max;
    }
    if (len > c->left) {
        len = (uint32_t)c->left;
    }
    *host = c->seg->host + c->off;
    *gpa = c->seg->gpa + c->off;
    c->off += len;
    c->left -= len;
    return len;
}

/* 0 on success, or -errno; a short transfer (the image shrank under us) is -EIO. */
static int pread_full(int fd, uint8_t *buf, size_t len, uint64_t off)
{
    while (len) {
        ssize_t r = pread(fd, buf, len, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (r == 0) {
            return -EIO;
        }
        buf += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static int pwrite_full(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
    while (len) {
        ssize_t r = pwrite(fd, buf, len, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (r == 0) {
            return -EIO;
        }
        buf += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* True if `bytes` at `sector` lie inside the image and are whole sectors. */
static bool blk_range_ok(const VirtioBlk *blk, uint64_t sector, uint64_t bytes)
{
    if (bytes % VIRTIO_BLK_SECTOR_SIZE) {
        return false;
    }
    return sector <= blk->capacity && bytes / VIRTIO_BLK_SECTOR_SIZE <= blk->capacity - sector;
}

/* Image → guest: `data` bytes of the writable buffers. *done counts bytes placed in RAM. */
static uint8_t blk_read(VirtioBlk *blk, const VirtqReq *req, uint64_t sector, uint64_t data,
                        uint64_t *done)
{
    if (!blk_range_ok(blk, sector, data)) {
        return VIRTIO_BLK_S_IOERR;
    }
    SegCursor c = cursor_make(req->in, req->n_in, 0, data);
    uint64_t pos = sector * VIRTIO_BLK_SECTOR_SIZE;
    uint8_t *host;
    uint64_t gpa;
    uint32_t len;
    while ((len = cursor_next(&c, UINT32_MAX, &host, &gpa)) != 0) {
        int r = pread_full(blk->fd, host, len, pos);
        /* Even a failed pread may have filled part of the buffer. */
        dma_ram_written(req->ram, gpa, len);
        if (r < 0) {
            return VIRTIO_BLK_S_IOERR;
        }
        pos += len;
        *done += len;
    }
    return VIRTIO_BLK_S_OK;
}

/* Guest → image: `data` bytes of the readable buffers after the header. */
static uint8_t blk_write(VirtioBlk *blk, const VirtqReq *req, uint64_t sector, uint64_t data)
{
    if (blk->readonly || !blk_range_ok(blk, sector, data)) {
        return VIRTIO_BLK_S_IOERR;
    }
    SegCursor c = cursor_make(req->out, req->n_out, VIRTIO_BLK_REQ_HDR_BYTES, data);
    uint64_t pos = sector * VIRTIO_BLK_SECTOR_SIZE;
    uint8_t *host;
    uint64_t gpa;
    uint32_t len;
    while ((len = cursor_next(&c, UINT32_MAX, &host, &gpa)) != 0) {
        if (pwrite_full(blk->fd, host, len, pos) < 0) {
            return VIRTIO_BLK_S_IOERR;
        }
        pos += len;
    }
    return VIRTIO_BLK_S_OK;
}

/* The id into the writable buffers: 20 bytes, or fewer if the driver gave less room. */
static uint8_t blk_get_id(VirtioBlk *blk, const VirtqReq *req, uint64_t data, uint64_t *done)
{
    SegCursor c = cursor_make(req->in, req->n_in, 0,
                              data < VIRTIO_BLK_ID_BYTES ? data : VIRTIO_BLK_ID_BYTES);
    uint8_t *host;
    uint64_t gpa;
    uint32_t len;
    while ((len = cursor_next(&c, UINT32_MAX, &host, &gpa)) != 0) {
        memcpy(host, blk->id + *done, len);
        dma_ram_written(req->ram, gpa, len);
        *done += len;
    }
    return VIRTIO_BLK_S_OK;
}

int virtio_blk_handle(VirtioBlk *blk, const VirtqReq *req, uint32_t *written, const char **why)
{
    if (req->out_len < VIRTIO_BLK_REQ_HDR_BYTES) {
        *why = "virtio-blk: request header shorter than 16 bytes";
        return -EINVAL;
    }
    if (req->in_len < 1) {
        *why = "virtio-blk: request has no writable status byte";
        return -EINVAL;
    }
    uint8_t hdr[VIRTIO_BLK_REQ_HDR_BYTES];
    SegCursor c = cursor_make(req->out, req->n_out, 0, sizeof(hdr));
    uint8_t *host;
    uint64_t gpa;
    uint32_t len, got = 0;
    while ((len = cursor_next(&c, UINT32_MAX, &host, &gpa)) != 0) {
        memcpy(hdr + got, host, len);
        got += len;
    }
    uint32_t type = ld_le32(hdr);
    uint64_t sector = ld_le64(hdr + 8);
    uint64_t data_in = req->in_len - 1;                       /* writable bytes before status */
    uint64_t data_out = req->out_len - VIRTIO_BLK_REQ_HDR_BYTES;
    uint64_t done = 0;
    uint8_t status;
    switch (type) {
    case VIRTIO_BLK_T_IN:
        status = blk_read(blk, req, sector, data_in, &done);
        break;
    case VIRTIO_BLK_T_OUT:
        status = blk_write(blk, req, sector, data_out);
        break;
    case VIRTIO_BLK_T_FLUSH:
        status = blk->readonly || fdatasync(blk->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
        break;
    case VIRTIO_BLK_T_GET_ID:
        status = blk_get_id(blk, req, data_in, &done);
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    const VirtqSeg *last = &req->in[req->n_in - 1];
    last->host[last->len - 1] = status;
    dma_ram_written(req->ram, last->gpa + last->len - 1, 1);
    done += 1;
    *written = done > UINT32_MAX ? UINT32_MAX : (uint32_t)done;
    return 0;
}
