/* HTIF, the host-target interface of test binaries that define `tohost`/`fromhost`.
 * tohost encodes device (bits 63:56), command (55:48) and payload (47:0):
 *  - device 0, payload odd: exit with status payload >> 1 (riscv-tests: 0 = pass, else the
 *    failing test number);
 *  - device 0, payload even: pointer to an 8-dword syscall block (proxy kernel convention);
 *    write (64) and exit (93) are served, the result goes back in the block's first dword;
 *  - device 1, command 1: console putchar of the low byte.
 * Each request is acknowledged, as spike does, by clearing tohost and writing a non-zero
 * fromhost: the request's device and command with payload 1 (syscall done) or 0x100 | byte
 * (console write), so guests that poll fromhost for non-zero make progress. */
#include <string.h>
#include <unistd.h>

#include "hw/devices.h"
#include "hw/machine.h"
#include "hw/progress.h"
#include "util/log.h"

#define SYS_WRITE 64
#define SYS_EXIT 93

static bool ram_range(Machine *m, uint64_t paddr, uint64_t len, uint8_t **host)
{
    if (paddr < m->as.ram_base || paddr - m->as.ram_base > m->as.ram_size ||
        len > m->as.ram_size - (paddr - m->as.ram_base)) {
        return false;
    }
    *host = m->as.ram + (paddr - m->as.ram_base);
    return true;
}

static void htif_syscall(HTIFState *s, uint64_t block_addr)
{
    uint8_t *blk;
    uint64_t args[8];
    if (!ram_range(s->m, block_addr, sizeof(args), &blk)) {
        log_mask(LOG_GUEST_ERRORS, "htif: syscall block 0x%llx outside RAM\n",
                 (unsigned long long)block_addr);
        return;
    }
    memcpy(args, blk, sizeof(args));
    int64_t ret = -38;   /* -ENOSYS */
    if (args[0] == SYS_WRITE) {
        uint8_t *buf;
        if ((args[1] == 1 || args[1] == 2) && ram_range(s->m, args[2], args[3], &buf)) {
            bool held = progress_output_begin(s->out_fd);
            ret = write(s->out_fd, buf, args[3]);
            progress_output_end(held, ret > 0 ? buf[ret - 1] : -1);
        } else {
            ret = -14;   /* -EFAULT */
        }
    } else if (args[0] == SYS_EXIT) {
        machine_request(s->m, MACHINE_POWEROFF, (int)args[1]);
        ret = 0;
    } else {
        log_mask(LOG_UNIMP, "htif: syscall %llu not supported\n", (unsigned long long)args[0]);
    }
    memcpy(blk, &ret, sizeof(ret));
}

static void htif_command(HTIFState *s, uint64_t value)
{
    unsigned device = (unsigned)(value >> 56);
    unsigned cmd = (unsigned)(value >> 48) & 0xff;
    uint64_t payload = value & ((1ULL << 48) - 1);
    uint64_t response;
    if (device == 0 && cmd == 0) {
        if (payload & 1) {
            machine_request(s->m, MACHINE_POWEROFF, (int)(payload >> 1));
            return;
        }
        htif_syscall(s, payload);
        response = 1;   /* as spike: a non-zero fromhost tells the guest the call is done */
    } else if (device == 1 && cmd == 1) {
        uint8_t c = (uint8_t)payload;
        bool held = progress_output_begin(s->out_fd);
        ssize_t unused = write(s->out_fd, &c, 1);
        (void)unused;
        progress_output_end(held, c);
        response = 0x100 | c;
    } else if (device == 1 && cmd == 0) {
        return;   /* console read request: no input yet, leave it pending */
    } else {
        log_mask(LOG_UNIMP, "htif: device %u command %u not supported\n", device, cmd);
        response = 0;
    }
    s->fromhost = ((uint64_t)device << 56) | ((uint64_t)cmd << 48) | response;
    s->tohost = 0;
}

static uint64_t reg_read(uint64_t reg, uint64_t offset, unsigned size)
{
    uint64_t v = reg >> (8 * offset);
    return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

static uint64_t reg_write(uint64_t reg, uint64_t offset, uint64_t value, unsigned size)
{
    uint64_t mask = (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1) << (8 * offset);
    return (reg & ~mask) | ((value << (8 * offset)) & mask);
}

static uint64_t tohost_read(void *opaque, uint64_t offset, unsigned size)
{
    return reg_read(((HTIFState *)opaque)->tohost, offset, size);
}

static void tohost_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    HTIFState *s = opaque;
    s->tohost = reg_write(s->tohost, offset, value, size);
    /* A command is complete once its upper word is written (32-bit guests write the low word
     * first); a 64-bit write completes at once. */
    if (offset + size == 8 && s->tohost != 0) {
        htif_command(s, s->tohost);
    }
}

static uint64_t fromhost_read(void *opaque, uint64_t offset, unsigned size)
{
    return reg_read(((HTIFState *)opaque)->fromhost, offset, size);
}

static void fromhost_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    HTIFState *s = opaque;
    s->fromhost = reg_write(s->fromhost, offset, value, size);
}

const MMIOOps htif_tohost_ops = { tohost_read, tohost_write };
const MMIOOps htif_fromhost_ops = { fromhost_read, fromhost_write };
