/* Page-table entry bits and satp modes (RISC-V privileged spec, "Supervisor-Level ISA",
 * Sv39/Sv48), shared by the C guests that build their own page tables. */
#ifndef GUEST_RISCV_VM_H
#define GUEST_RISCV_VM_H

#include "cpu/pte_bits.h"

#define SATP_MODE_SV39 8ULL
#define SATP_MODE_SV48 9ULL
#define SATP_SV39 (SATP_MODE_SV39 << 60)
#define SATP_SV48 (SATP_MODE_SV48 << 60)

#endif
