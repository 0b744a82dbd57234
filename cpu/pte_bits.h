/* Page-table entry bits (RISC-V privileged spec, "Supervisor-Level ISA", Sv39/48/57): plain
 * #defines only, shared by the emulator's walker and the bundled guests that build page
 * tables, so both toolchains include the one copy. */
#ifndef CPU_PTE_BITS_H
#define CPU_PTE_BITS_H

#define PTE_V (1ULL << 0)
#define PTE_R (1ULL << 1)
#define PTE_W (1ULL << 2)
#define PTE_X (1ULL << 3)
#define PTE_U (1ULL << 4)
#define PTE_G (1ULL << 5)
#define PTE_A (1ULL << 6)
#define PTE_D (1ULL << 7)
#define PTE_PPN_SHIFT 10

#endif
