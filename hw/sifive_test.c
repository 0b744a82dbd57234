/* SiFive test device: a 32-bit write of 0x5555 powers off with status 0, 0x3333 powers off
 * with status (value >> 16), 0x7777 resets the machine. */
#include "hw/devices.h"
#include "hw/machine.h"
#include "util/log.h"

#define TEST_FAIL 0x3333
#define TEST_PASS 0x5555
#define TEST_RESET 0x7777

static uint64_t sifive_test_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void sifive_test_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Machine *m = opaque;
    (void)size;
    if (offset != 0) {
        return;
    }
    switch (value & 0xffff) {
    case TEST_PASS:
        machine_request(m, MACHINE_POWEROFF, 0);
        break;
    case TEST_FAIL:
        machine_request(m, MACHINE_POWEROFF, (int)((value >> 16) & 0xffff));
        break;
    case TEST_RESET:
        machine_request(m, MACHINE_RESET, 0);
        break;
    default:
        log_mask(LOG_GUEST_ERRORS, "sifive_test: unknown command 0x%llx\n",
                 (unsigned long long)value);
        break;
    }
}

const MMIOOps sifive_test_ops = { sifive_test_read, sifive_test_write };
