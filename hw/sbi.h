/* The built-in SBI firmware: when a kernel is booted without -bios, tlbstorm itself is the
 * M-mode firmware. It owns the per-hart SBI state (HSM hart states, start and resume
 * parameters), the M-mode CSR setup S-mode expects from firmware, and the SBI 2.0 calls
 * (BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy console/timer/shutdown calls).
 * Callers: the main thread (sbi_machine_setup/sbi_machine_free, no vCPU running); each vCPU
 * thread for itself (sbi_vcpu_run), outside guest execution (not between cpu_exec_start and
 * cpu_exec_end), because RFENCE waits for other vCPUs.
 * Locking: none. HSM states are C11 atomics changed by compare-and-swap; the console goes
 * through the UART's own lock. */
#ifndef HW_SBI_H
#define HW_SBI_H

#include <stdbool.h>
#include <stdint.h>

struct Machine;
struct RISCVCPU;
struct NS16550State;
struct DMARam;

/* The SBI implementation ID reported by sbi_get_impl_id: ASCII "TLBS". The registered IDs
 * (OpenSBI 1, KVM 3, RustSBI 4, ...) are small integers, so this one cannot collide. */
#define SBI_IMPL_ID_TLBSTORM 0x544c4253UL

/* What the firmware needs from the board, copied by sbi_machine_setup. */
typedef struct SBIBoot {
    uint64_t kernel_entry;        /* the boot hart enters S-mode here */
    uint64_t dtb_addr;            /* a1 of the boot hart */
    uint64_t mtrap_vector;        /* mtvec: an `ecall` in ROM that reports stray M-mode traps */
    struct NS16550State *console; /* debug console and legacy putchar/getchar */
    const struct DMARam *ram;     /* guest RAM, for the debug console's buffers */
} SBIBoot;

/* Main thread, while no vCPU runs (at boot and at every machine reset): create the
 * firmware state on first use and put every hart in its boot HSM state (the boot hart,
 * hart 0, STARTED and all others STOPPED), due to receive its M-mode setup on its own thread.
 * Marks every hart cpu->sbi_builtin. Returns 0 or -ENOMEM. */
int sbi_machine_setup(struct Machine *m, const SBIBoot *boot) __attribute__((warn_unused_result));
/* Main thread, after the vCPU threads have exited. NULL-safe. */
void sbi_machine_free(struct Machine *m);

/* Owner vCPU thread, outside guest execution, when cpu->sbi_builtin: do the firmware's
 * part of the vCPU loop. That is the hart's M-mode setup after a reset, a pending SBI call
 * (cpu->sbi_pending, set when cpu_exec stopped at an ecall: on return the call has been
 * answered and pc is past the ecall), or one wait of a hart that is STOPPED or SUSPENDED
 * (returns after any wake-up, so the caller's loop can look at machine requests and
 * queued work first). Returns false when the hart is STARTED with nothing to do, that is
 * when the caller should run guest code. */
bool sbi_vcpu_run(struct RISCVCPU *cpu);

#endif
