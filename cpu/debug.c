#include "cpu/debug.h"

#include "cpu/cpu.h"
#include "mm/tlb.h"
#include "sync/vm_stop.h"

enum {
    CSR_TSELECT = 0x7a0, CSR_TDATA1 = 0x7a1, CSR_TDATA2 = 0x7a2, CSR_TDATA3 = 0x7a3,
    CSR_TINFO = 0x7a4, CSR_TCONTROL = 0x7a5,
};

#define TYPE_SHIFT 60
#define TYPE_MCONTROL 2ULL
#define TYPE_MCONTROL6 6ULL
#define TYPE_DISABLED 15ULL
#define TDATA1_TYPE(v) ((v) >> TYPE_SHIFT)

/* Fields common to mcontrol and mcontrol6. */
#define TR_LOAD (1ULL << 0)
#define TR_STORE (1ULL << 1)
#define TR_EXECUTE (1ULL << 2)
#define TR_U (1ULL << 3)
#define TR_S (1ULL << 4)
#define TR_M (1ULL << 6)
#define TR_MATCH_SHIFT 7
#define TR_MATCH_MASK (0xfULL << TR_MATCH_SHIFT)
#define MCONTROL_HIT (1ULL << 20)
#define MCONTROL6_HIT0 (1ULL << 22)

enum { MATCH_EQUAL = 0, MATCH_NAPOT = 1, MATCH_GE = 2, MATCH_LT = 3 };

#define TCONTROL_MTE (1ULL << 3)
#define TCONTROL_MPTE (1ULL << 7)

/* tinfo: version 1 (Sdtrig 1.0) in bits 31:24, and the types a trigger takes. */
#define TINFO_VALUE ((1ULL << 24) | (1ULL << TYPE_MCONTROL) | (1ULL << TYPE_MCONTROL6) | \
                     (1ULL << TYPE_DISABLED))

static const uint64_t reset_tdata1 = TYPE_MCONTROL << TYPE_SHIFT;

static unsigned trig_match(uint64_t tdata1)
{
    return (unsigned)((tdata1 & TR_MATCH_MASK) >> TR_MATCH_SHIFT);
}

static bool trig_is_address(uint64_t tdata1)
{
    uint64_t t = TDATA1_TYPE(tdata1);
    return t == TYPE_MCONTROL || t == TYPE_MCONTROL6;
}

/* WARL: what a write of v to tdata1 leaves. The supported subset: address compare (select 0),
 * before the access (timing 0), any size, action 0 (breakpoint exception), no chain, match
 * equal, NAPOT, >= or <, the M/S/U and load/store/execute enables, and the hit bit. Other
 * types (and 0) give a disabled trigger (type 15). */
static uint64_t legalize_tdata1(uint64_t v)
{
    uint64_t type = TDATA1_TYPE(v);
    if (type != TYPE_MCONTROL && type != TYPE_MCONTROL6) {
        return TYPE_DISABLED << TYPE_SHIFT;
    }
    uint64_t keep = TR_LOAD | TR_STORE | TR_EXECUTE | TR_U | TR_S | TR_M |
                    (type == TYPE_MCONTROL ? MCONTROL_HIT : MCONTROL6_HIT0);
    uint64_t out = (type << TYPE_SHIFT) | (v & keep);
    unsigned match = trig_match(v);
    if (match <= MATCH_LT) {
        out |= (uint64_t)match << TR_MATCH_SHIFT;
    }
    return out;
}

static void recount(RISCVCPU *cpu)
{
    RISCVDebugState *d = &cpu->debug;
    d->n_exec = d->n_load = d->n_store = 0;
    for (unsigned i = 0; i < DEBUG_N_TRIGGERS; i++) {
        uint64_t t = d->trig[i].tdata1;
        if (!trig_is_address(t) || !(t & (TR_M | TR_S | TR_U))) {
            continue;
        }
        d->n_exec += (t & TR_EXECUTE) != 0;
        d->n_load += (t & TR_LOAD) != 0;
        d->n_store += (t & TR_STORE) != 0;
    }
}

void debug_reset(RISCVCPU *cpu)
{
    RISCVDebugState *d = &cpu->debug;
    for (unsigned i = 0; i < DEBUG_N_TRIGGERS; i++) {
        d->trig[i] = (RISCVTrigger){ .tdata1 = reset_tdata1, .tdata2 = 0 };
    }
    d->tselect = 0;
    d->tcontrol = 0;
    recount(cpu);
}

bool debug_csr_read(RISCVCPU *cpu, unsigned csrno, uint64_t *val)
{
    const RISCVDebugState *d = &cpu->debug;
    switch (csrno) {
    case CSR_TSELECT: *val = d->tselect; return true;
    case CSR_TDATA1: *val = d->trig[d->tselect].tdata1; return true;
    case CSR_TDATA2: *val = d->trig[d->tselect].tdata2; return true;
    case CSR_TDATA3: *val = 0; return true;          /* no textra conditions */
    case CSR_TINFO: *val = TINFO_VALUE; return true;
    case CSR_TCONTROL: *val = d->tcontrol; return true;
    default: return false;
    }
}

bool debug_csr_write(RISCVCPU *cpu, unsigned csrno, uint64_t val)
{
    RISCVDebugState *d = &cpu->debug;
    RISCVTrigger *t = &d->trig[d->tselect];
    switch (csrno) {
    case CSR_TSELECT:
        /* WARL: an index without a trigger leaves tselect as it was, which is how a debugger
         * counts the triggers (write i, read back). */
        if (val < DEBUG_N_TRIGGERS) {
            d->tselect = (unsigned)val;
        }
        return true;
    case CSR_TDATA1:
        t->tdata1 = legalize_tdata1(val);
        break;
    case CSR_TDATA2:
        t->tdata2 = val;
        break;
    case CSR_TDATA3:
    case CSR_TINFO:
        return true;                                  /* read-only zero / read-only */
    case CSR_TCONTROL:
        d->tcontrol = val & (TCONTROL_MTE | TCONTROL_MPTE);
        return true;
    default:
        return false;
    }
    recount(cpu);
    /* TLB entries carry TLB_WATCH marks computed from the old triggers. */
    tlb_flush_local(&cpu->tlb);
    return true;
}

void debug_trap_to_m(RISCVCPU *cpu)
{
    uint64_t c = cpu->debug.tcontrol;
    cpu->debug.tcontrol = (c & TCONTROL_MTE) ? TCONTROL_MPTE : 0;
}

void debug_mret(RISCVCPU *cpu)
{
    uint64_t c = cpu->debug.tcontrol;
    cpu->debug.tcontrol = (c & ~TCONTROL_MTE) | ((c & TCONTROL_MPTE) ? TCONTROL_MTE : 0);
}

/* The privilege rules of native triggers (Sdtrig 5.4): the mode's enable bit; in M-mode only
 * with tcontrol.mte (a breakpoint trap clears it, so the handler cannot re-trigger); in S-mode,
 * when breakpoints are delegated to S, only with sstatus.SIE, for the same reason. */
static bool trigger_enabled_now(const RISCVCPU *cpu, uint64_t tdata1)
{
    switch (cpu->priv) {
    case PRV_M:
        return (tdata1 & TR_M) && (cpu->debug.tcontrol & TCONTROL_MTE);
    case PRV_S:
        if (!(tdata1 & TR_S)) {
            return false;
        }
        return !((cpu->medeleg >> EXCP_BREAKPOINT) & 1) || (cpu->mstatus & MSTATUS_SIE);
    default:
        return (tdata1 & TR_U) != 0;
    }
}

/* Does [lo, lo + len) hold a byte the trigger compares equal to? len >= 1. */
static bool trigger_matches_range(const RISCVTrigger *t, uint64_t lo, uint64_t len)
{
    uint64_t hi = lo + len - 1;                       /* inclusive; no wrap in practice */
    uint64_t a = t->tdata2;
    switch (trig_match(t->tdata1)) {
    case MATCH_EQUAL:
        return a >= lo && a <= hi;
    case MATCH_NAPOT: {
        /* The trailing ones of tdata2 and the 0 above them are "don't care": a naturally
         * aligned block of 2^(ones + 1) bytes. */
        unsigned ones = (unsigned)__builtin_ctzll(~a);
        uint64_t mask = ones >= 63 ? ~0ULL : (2ULL << ones) - 1;
        uint64_t base = a & ~mask;
        return base <= hi && lo <= base + mask;
    }
    case MATCH_GE:
        return hi >= a;
    case MATCH_LT:
        return lo < a;
    default:
        return false;
    }
}

static void set_hit(RISCVTrigger *t)
{
    t->tdata1 |= TDATA1_TYPE(t->tdata1) == TYPE_MCONTROL ? MCONTROL_HIT : MCONTROL6_HIT0;
}

bool debug_check_data(RISCVCPU *cpu, uint64_t vaddr, unsigned size, bool load, bool store)
{
    RISCVDebugState *d = &cpu->debug;
    uint64_t kinds = (load ? TR_LOAD : 0) | (store ? TR_STORE : 0);
    for (unsigned i = 0; i < DEBUG_N_TRIGGERS; i++) {
        RISCVTrigger *t = &d->trig[i];
        if (!trig_is_address(t->tdata1) || !(t->tdata1 & kinds) ||
            !trigger_enabled_now(cpu, t->tdata1) || !trigger_matches_range(t, vaddr, size)) {
            continue;
        }
        set_hit(t);
        riscv_raise_exception(cpu, EXCP_BREAKPOINT, vaddr);
        return true;
    }
    return false;
}

bool debug_page_watched(const RISCVCPU *cpu, uint64_t vpage, bool store)
{
    const RISCVDebugState *d = &cpu->debug;
    uint64_t kind = store ? TR_STORE : TR_LOAD;
    for (unsigned i = 0; i < DEBUG_N_TRIGGERS; i++) {
        const RISCVTrigger *t = &d->trig[i];
        if (trig_is_address(t->tdata1) && (t->tdata1 & kind) &&
            (t->tdata1 & (TR_M | TR_S | TR_U)) && trigger_matches_range(t, vpage, 4096)) {
            return true;
        }
    }
    return false;
}

/* The first execute trigger that fires for the instruction at pc now, or -1. */
static int exec_trigger_at(const RISCVCPU *cpu, uint64_t pc)
{
    const RISCVDebugState *d = &cpu->debug;
    for (unsigned i = 0; i < DEBUG_N_TRIGGERS; i++) {
        const RISCVTrigger *t = &d->trig[i];
        if (trig_is_address(t->tdata1) && (t->tdata1 & TR_EXECUTE) &&
            trigger_enabled_now(cpu, t->tdata1) && trigger_matches_range(t, pc, 1)) {
            return (int)i;
        }
    }
    return -1;
}

bool debug_exec_matches(const RISCVCPU *cpu, uint64_t pc)
{
    return exec_trigger_at(cpu, pc) >= 0;
}

void debug_raise_exec(RISCVCPU *cpu, uint64_t pc)
{
    int i = exec_trigger_at(cpu, pc);
    if (i >= 0) {
        set_hit(&cpu->debug.trig[i]);
    }
    cpu->pc = pc;
    riscv_raise_exception(cpu, EXCP_BREAKPOINT, pc);
}

/* ---- debugger watchpoints ------------------------------------------------------------- */

typedef struct DebugWatchpoint {
    uint64_t addr, len;
    enum debug_watch_kind kind;
} DebugWatchpoint;

static DebugWatchpoint watchpoints[DEBUG_MAX_WATCHPOINTS];
unsigned debug_n_watchpoints;
uint32_t debug_watch_gen;

bool debug_watchpoint_insert(uint64_t addr, uint64_t len, enum debug_watch_kind kind)
{
    if (len == 0 || addr + len < addr || debug_n_watchpoints == DEBUG_MAX_WATCHPOINTS) {
        return false;
    }
    watchpoints[debug_n_watchpoints++] = (DebugWatchpoint){ addr, len, kind };
    debug_watch_gen++;
    return true;
}

bool debug_watchpoint_remove(uint64_t addr, uint64_t len, enum debug_watch_kind kind)
{
    for (unsigned i = 0; i < debug_n_watchpoints; i++) {
        DebugWatchpoint *w = &watchpoints[i];
        if (w->addr == addr && w->len == len && w->kind == kind) {
            *w = watchpoints[--debug_n_watchpoints];
            debug_watch_gen++;
            return true;
        }
    }
    return false;
}

void debug_watchpoints_clear(void)
{
    if (debug_n_watchpoints) {
        debug_n_watchpoints = 0;
        debug_watch_gen++;
    }
}

bool debug_watch_page(uint64_t vpage)
{
    for (unsigned i = 0; i < debug_n_watchpoints; i++) {
        const DebugWatchpoint *w = &watchpoints[i];
        if (w->addr < vpage + 4096 && vpage < w->addr + w->len) {
            return true;
        }
    }
    return false;
}

void debug_watch_check(RISCVCPU *cpu, uint64_t vaddr, unsigned size, bool load, bool store)
{
    for (unsigned i = 0; i < debug_n_watchpoints; i++) {
        const DebugWatchpoint *w = &watchpoints[i];
        bool kind_matches = w->kind == DEBUG_WATCH_ACCESS ||
                            (w->kind == DEBUG_WATCH_WRITE && store) ||
                            (w->kind == DEBUG_WATCH_READ && load);
        if (kind_matches && w->addr < vaddr + size && vaddr < w->addr + w->len) {
            enum vm_stop_reason r = w->kind == DEBUG_WATCH_WRITE ? VM_STOP_WATCH_WRITE
                                    : w->kind == DEBUG_WATCH_READ ? VM_STOP_WATCH_READ
                                                                  : VM_STOP_WATCH_ACCESS;
            vm_stop_report(CPU(cpu), r, w->addr);
            return;
        }
    }
}
