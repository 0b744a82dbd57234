/* tlbtorture: shared definitions of the page-table torture guest.
 *
 * Address space (Sv39, or Sv48 with one more level above the same tables), one page table
 * shared by every hart, satp ASID 1:
 *   0x0000000000  1 GiB  identity, global, RW   (MMIO: the UART)
 *   0x0080000000  1 GiB  identity, global, RWX  (this image, stacks, tables, frame pools)
 *   REGION_4K_VA   slots of 4 KiB leaves (one L0 table)
 *   REGION_2M_VA   slots of 2 MiB leaves (one L1 table; a slot may be split into an L0 table)
 *   REGION_1G_VA   slots of 1 GiB leaves, each an alias of the RAM gigapage (a slot may be
 *                  split into an L1 table of 2 MiB leaves)
 * Test mappings are non-global and start with A = D = 0, so every first access after a change
 * makes the page walker set A while a writer may be changing the same PTE.
 *
 * Every readable test location holds a tag: magic, slot id and the generation of the change
 * that made it reachable. Writers own disjoint slots. A change of generation g:
 *   1. writes the tags (>= g) the new mapping will expose, stores pending = g (release);
 *   2. stores the PTE (release), then a remote SBI fence of the chosen kind on every hart;
 *   3. re-reads the PTE: a page walk's A/D update must not have undone the store;
 *   4. publishes pub = g | state (release), then poisons every location the old mapping
 *      exposed and the new one does not, and only then frees those frames.
 * A reader loads pub (acquire), then probes the location, and checks:
 *   - no fault, mapping published: the value is this slot's tag with generation >= pub's;
 *   - no fault, revocation published: only if a change is pending (a restore), and then the
 *     tag is newer than the revocation;
 *   - fault, mapping published: only if a change is pending (pending != pub's generation);
 *   - POISON or another slot's tag is always a stale translation.
 * Because a synced remote fence returns only after every hart dropped the old translation, a
 * reader that saw pub = g can never reach what change g unmapped.
 *
 * bug=NAME plants one fencing bug of a kind (enum bug), to show that a TLB-bug finder in the
 * emulator catches it: the protocol above stays, only the fence of step 2 is left out or
 * misdirected (or, for asid-reuse and pt-reuse, a fence that must precede a reuse is). */
#ifndef TORTURE_H
#define TORTURE_H

#include <stdint.h>

#include "smode.h"

#define REGION_4K_VA 0x1000000000ULL     /* root index 64 */
#define REGION_2M_VA 0x1040000000ULL     /* root index 65 */
#define REGION_1G_VA 0x1080000000ULL     /* root index 66.. */
#define REUSE_VA 0x1400000000ULL         /* root index 80: bug=asid-reuse's page */
#define TORTURE_ASID 1ULL
#define WRONG_ASID 2ULL                  /* bug=wrong-asid: no test mapping uses it */

#define MAX_SLOTS_4K 511                 /* the last PTE is the A/D race page */
#define MAX_SLOTS_2M 64
#define MAX_SLOTS_1G 8
#define SAMPLES_2M 8                     /* tagged 4 KiB pages inside each 2 MiB slot */

#define TAG_MAGIC 0x7a6bULL
#define POISON 0xdeadbeefdeadbeefULL

enum region { R_4K, R_2M, R_1G, N_REGIONS };
enum fence_kind { F_PAGE, F_RANGE, F_ASID, F_ALL, N_FENCE_KINDS };
enum op_kind { OP_REMAP, OP_REVOKE, OP_RESTORE, OP_SPLIT, OP_MERGE, OP_REMAP_IN_SPLIT,
               N_OPS };
/* bug=: which fence writers leave out or misdirect (BUG_NONE: the correct guest). */
enum bug { BUG_NONE, BUG_SKIP_REMOTE, BUG_SKIP_LOCAL, BUG_WRONG_PAGE, BUG_WRONG_RANGE,
           BUG_WRONG_ASID, BUG_ASID_REUSE, BUG_PERM_NOFENCE, BUG_PT_REUSE, N_BUGS };
enum violation { V_STALE, V_POISON, V_REVOKED_ACCESS, V_SPURIOUS_FAULT, V_AD_ERASED,
                 V_SBI_ERROR, V_MAP_STALE, N_VIOLATIONS };

static inline uint64_t make_tag(unsigned region, unsigned slot, uint32_t gen)
{
    return TAG_MAGIC << 48 | (uint64_t)region << 44 | (uint64_t)slot << 32 | gen;
}

/* Published state of one slot; cache-line sized so readers of one slot do not slow others. */
typedef struct {
    volatile uint64_t pub;               /* gen << 1 | revoked, after the change's fence */
    volatile uint64_t pending;           /* gen of the change under way (== pub's when idle) */
    uint64_t pad[6];
} SlotPub;

/* One hart's results, written by that hart only and read by the boot hart after `done`. */
typedef struct {
    uint64_t checks[N_REGIONS], faults[N_REGIONS];
    uint64_t ops[N_REGIONS][N_OPS];
    uint64_t violations[N_VIOLATIONS];
    uint64_t map_checks[4], map_torn;     /* remap-test checks by layout; checks a move tore */
    uint64_t fences[N_FENCE_KINDS], fence_ticks[N_FENCE_KINDS], fence_max[N_FENCE_KINDS];
    uint32_t fence_hist[N_FENCE_KINDS][64 * 4];   /* log2 buckets of ns, 4 per octave */
    char first_violation[3][160];
    unsigned n_reported;
    volatile uint32_t done;
    uint32_t pad[15];
} HartResult;

#endif
