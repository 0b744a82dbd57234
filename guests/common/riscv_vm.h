/* Page-table entry bits and satp modes (RISC-V privileged spec, "Supervisor-Level ISA",
 * Sv39/Sv48), shared by the C guests that build their own page tables. */
#ifndef GUEST_RISCV_VM_H
#define GUEST_RISCV_VM_H

#define PTE_V (1ULL << 0)
#define PTE_R (1ULL << 1)
#define PTE_W (1ULL << 2)
#define PTE_X (1ULL << 3)
#define PTE_U (1ULL << 4)
#define PTE_G (1ULL << 5)
#define PTE_A (1ULL << 6)
#define PTE_D (1ULL << 7)
#define PTE_PPN_SHIFT 10

#define SATP_MODE_SV39 8ULL
#define SATP_MODE_SV48 9ULL
#define SATP_SV39 (SATP_MODE_SV39 << 60)
#define SATP_SV48 (SATP_MODE_SV48 << 60)

#endif
