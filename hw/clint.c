/* CLINT (SiFive layout, as QEMU virt): msip[hart] at 0x0000 + 4*hart, mtimecmp[hart] at
 * 0x4000 + 8*hart, mtime at 0xbff8 (read-only here: it follows the host clock). 32- and
 * 64-bit accesses; a 32-bit write replaces half of a 64-bit register.
 * With -M virt,aclint=on the same registers are the ACLINT MSWI (msip) and MTIMER (mtimecmp,
 * mtime), whose layout is the CLINT's, and the ACLINT SSWI adds setssip[hart] at
 * 0x2f00000 + 4*hart: writing 1 raises that hart's supervisor software interrupt (mip.SSIP),
 * as an SBI send_ipi does; reads return 0 (ACLINT spec 1.0, SSWI). */
#include "cpu/cpu.h"
#include "hw/devices.h"
#include "hw/machine.h"
#include "hw/vtimer.h"
#include "sync/run_slots.h"

#define CLINT_MSIP 0x0000
#define CLINT_MTIMECMP 0x4000
#define CLINT_MTIME 0xbff8

static uint64_t clint_read(void *opaque, uint64_t offset, unsigned size)
{
    Machine *m = opaque;
    uint64_t v;
    unsigned shift = (unsigned)(offset & 4) * 8;
    if (offset < CLINT_MSIP + 4 * m->n_cpus) {
        RISCVCPU *cpu = m->cpus[offset / 4];
        return (atomic_load_explicit(&cpu->mip, memory_order_acquire) & MIP_MSIP) ? 1 : 0;
    } else if (offset >= CLINT_MTIMECMP && offset < CLINT_MTIMECMP + 8 * m->n_cpus) {
        v = vtimer_get_mtimecmp(m, (unsigned)((offset - CLINT_MTIMECMP) / 8));
    } else if (offset >= CLINT_MTIME && offset < CLINT_MTIME + 8) {
        v = machine_read_mtime(m);
    } else {
        return 0;
    }
    return size == 8 ? v : (v >> shift) & 0xffffffffULL;
}

static void clint_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Machine *m = opaque;
    if (offset < CLINT_MSIP + 4 * m->n_cpus) {
        RISCVCPU *cpu = m->cpus[offset / 4];
        if (value & 1) {
            atomic_fetch_or_explicit(&cpu->mip, MIP_MSIP, memory_order_acq_rel);
            vcpu_kick(CPU(cpu));
            run_slot_boost(CPU(cpu));
        } else {
            atomic_fetch_and_explicit(&cpu->mip, ~MIP_MSIP, memory_order_acq_rel);
        }
    } else if (offset >= CLINT_MTIMECMP && offset < CLINT_MTIMECMP + 8 * m->n_cpus) {
        unsigned hart = (unsigned)((offset - CLINT_MTIMECMP) / 8);
        uint64_t cmp = value;
        if (size == 4) {
            uint64_t old = vtimer_get_mtimecmp(m, hart);
            unsigned shift = (unsigned)(offset & 4) * 8;
            cmp = (old & ~(0xffffffffULL << shift)) | ((value & 0xffffffffULL) << shift);
        }
        vtimer_set_mtimecmp(m, hart, cmp);
    }
}

const MMIOOps clint_ops = { clint_read, clint_write };

static uint64_t aclint_sswi_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0;
}

static void aclint_sswi_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Machine *m = opaque;
    (void)size;
    if (offset % 4 != 0 || offset / 4 >= m->n_cpus || !(value & 1)) {
        return;
    }
    RISCVCPU *cpu = m->cpus[offset / 4];
    /* Release: pairs with the target's acquire load of mip. Kick on the rising edge only,
     * as the built-in SBI's send_ipi does: if SSIP was set, its setter kicked already. */
    uint64_t old = atomic_fetch_or_explicit(&cpu->mip, MIP_SSIP, memory_order_release);
    if (!(old & MIP_SSIP)) {
        vcpu_kick(CPU(cpu));
        run_slot_boost(CPU(cpu));
    }
}

const MMIOOps aclint_sswi_ops = { aclint_sswi_read, aclint_sswi_write };
