/* Promela model of tlbstorm's TLB shootdown protocol: mm/tlb_flush.c (mailbox, drain,
 * flush_cpus_mailbox, wait_for_target), sync/exclusive.c (cpu_exec_start / cpu_exec_end) and
 * accel/cpu_exec.c (drain at a TB entry after a kick). How to check it: README.md here.
 *
 * Credit: this extends the model that accompanies DESIGN.md section 5
 * (shared/models/shootdown.pml: one owner vCPU, two requesters, the "skip vCPUs outside guest
 * code" Dekker handshake, and its assertion that no owner uses an old translation once a
 * synced request has returned). Added here, to match the implementation:
 *   - two vCPUs, each an owner AND a requester, so they can flush each other at the same
 *     time, plus one non-vCPU requester thread that flushes both;
 *   - a vCPU requester first leaves guest execution (cpu_exec_end: running = false, notify),
 *     applies the flush to its own TLB, delivers, waits, and re-enters through
 *     cpu_exec_start. Leaving first is what stops two vCPUs that flush each other from
 *     waiting for each other forever;
 *   - the mailbox: a bounded set of page requests with coalescing, overflowing to a "full
 *     flush" flag (RING = 1 by default, so overflow happens); drained by taking a snapshot
 *     seen = req_seq and the pending set under the mailbox lock, applying outside it, then
 *     ack_seq = seen and notify;
 *   - cpu_exec_start: running = true, then (nondeterministically, standing for "an exclusive
 *     section is pending and did not count us") the step-back-out path: running = false,
 *     notify, wait, running = true; then the drain;
 *   - the cpu_exec loop: at a TB entry, exchange(icount_decr, 0) < 0 -> drain, then either
 *     continue inside (the kick was only for flushes) or leave;
 *   - wait_for_target's futex handshake: ev = flush_event; waiters++; check; FUTEX_WAIT(ev)
 *     (sleeps only if flush_event still equals ev); the owner bumps flush_event after every
 *     ack and every exit, then reads waiters and issues FUTEX_WAKE (wakes all sleepers).
 *     Modelled step by step with -DFUTEX; by default the wait is a blocking guard (see
 *     await for why that is faithful).
 *
 * Memory model: sequential consistency, one Promela step per shared access. That is the
 * right model because the implementation uses seq_cst for both Dekker pairs (requester:
 * req_seq RMW then load running; owner: store running then load req_seq) and for the futex
 * pair (waiter: waiters RMW then load ack_seq/running; owner: flush_event RMW then load
 * waiters). Everything else is ordered by the mailbox mutex (modelled as atomic{}) or by the
 * icount_decr release (cpu_exit) / acquire (exchange) pair, whose reader needs only what was
 * written before the write, which SC also gives. Steps that touch only a process's own data
 * (its locals, the owner's TLB, the owner's reads of its own ack_seq) are merged into the
 * neighbouring shared access: that removes no behaviour another process could observe.
 *
 * Abstractions: a TB is one guest access (one page, through the TLB, refilled from the
 * current PTE on a miss); a translation is identified by the PTE version it was filled from;
 * one mmu_idx, page requests only (full flushes appear only through overflow); the ring is
 * a set of pages of size RING (real: TLB_MAILBOX_RING = 16, merging of adjacent pages into
 * ranges is not modelled: it only makes the set smaller); the spin phase of wait_for_target
 * is more target_state checks and adds nothing; spurious futex wake-ups are not modelled (the
 * code loops on them); sequence numbers do not wrap (the code compares them modulo 2^32).
 * The real FUTEX_WAIT has a 50 us timeout (so that the waiter repeats the directed-yield
 * nudge); the model waits without it, so that a lost wake-up shows as a deadlock instead of
 * as latency. The nudge itself (cpu_exit on every other running vCPU) is modelled only with
 * -DFUTEX: it sets exit_req, which costs the nudged vCPU at most an early drain.
 *
 * Mutants (each must make spin report an error):
 *   -DMUTANT_DRAIN_BEFORE_RUNNING  cpu_exec_start reads req_seq before publishing running
 *   -DMUTANT_NO_WAIT               a synced requester does not wait for the targets it kicked
 *   -DMUTANT_WAIT_INSIDE           a vCPU requests (and waits) without leaving guest execution
 *   -DMUTANT_LOST_WAKEUP           the waiter reads flush_event after its final check instead
 *                                  of before incrementing waiters
 */

#ifndef RING
#define RING 1           /* real: TLB_MAILBOX_RING = 16 */
#endif
#ifndef MAXENTRY0
#define MAXENTRY0 2      /* cpu_exec_start .. cpu_exec_end periods of vCPU 0 */
#endif
#ifndef MAXENTRY1
#define MAXENTRY1 1      /* ... and of vCPU 1 */
#endif
#ifndef MAXTB
#define MAXTB 1          /* TBs per period */
#endif
#ifndef VCPU_REQUESTS
#define VCPU_REQUESTS 3  /* bit c: vCPU c makes a request */
#endif
#ifndef THREAD_PAGE
#define THREAD_PAGE 0    /* the thread revokes page 0, as vCPU 0 does: its request coalesces
                          * in vCPU 1's mailbox and can overflow vCPU 0's (holding page 1) */
#endif
#define NCPU 2           /* vCPU c (pid c) revokes page c and flushes vCPU 1-c */
#define NPAGE 2
#define NPROC 3          /* pids: vCPU 0, vCPU 1, the thread */

/* per vCPU */
bool running[NCPU];      /* cpu->running: inside guest execution */
bool exit_req[NCPU];     /* cpu->icount_decr < 0 (cpu_exit) */
/* per-vCPU mailbox; the mb_* fields are only touched under its lock (= in atomic{}) */
byte mb_pages[NCPU];     /* ring contents as a set of pages (bit p) */
byte mb_n[NCPU];         /* ring entries in use */
bool mb_full[NCPU];      /* full_idxmap != 0 */
byte req_seq[NCPU];
byte ack_seq[NCPU];
byte flush_event[NCPU];  /* the futex word */
byte waiters[NCPU];
byte asleep[NPROC];      /* 0: not in FUTEX_WAIT; t+1: sleeping on flush_event[t] */

/* page tables and TLBs */
byte pte[NPAGE];         /* version of page p's PTE; each revoke bumps it */
byte done_ver[NPAGE];    /* highest version whose synced requester has returned */

/* ---------------------------------------------------------------- futex / notify */

inline futex_wake_all(c) {
  d_step {
    for (w : 0 .. NPROC-1) {
      if :: asleep[w] == c+1 -> asleep[w] = 0 :: else -> skip fi
    }
    w = 0
  }
}

/* mailbox_notify: ++flush_event (seq_cst); if (load(waiters) (seq_cst)) FUTEX_WAKE.
 * Without FUTEX the waiter is a blocking guard that re-evaluates on every change, so the
 * notification has nothing to do (see await). */
inline notify(c) {
#ifdef FUTEX
  flush_event[c]++;
  if
  :: waiters[c] > 0 -> futex_wake_all(c)
  :: else -> skip
  fi
#else
  skip
#endif
}

/* ---------------------------------------------------------------- owner side */

/* tlb_flush_process_mailbox, run by vCPU `me`. The fast-path load of req_seq is merged with
 * the locked snapshot: it has no effect but choosing the branch, and req_seq != ack_seq,
 * once true, stays true until the owner itself acknowledges, so a request enqueued between
 * the two reads gives the same run as one enqueued just before the merged step. */
inline drain() {
  if
  :: atomic {
       req_seq[me] != ack_seq[me] ->         /* seq_cst load of req_seq (ack_seq is ours) */
       seen = req_seq[me];                   /* lock; snapshot; take the pending set; unlock */
       taken = mb_pages[me]; tfull = mb_full[me];
       mb_pages[me] = 0; mb_n[me] = 0; mb_full[me] = 0
     }
     d_step {                                /* apply (owner-private), then publish the ack */
       for (q : 0 .. NPAGE-1) {
         if
         :: tfull || (taken & (1 << q)) -> tlb[q] = 0
         :: else
         fi
       }
       ack_seq[me] = seen;                   /* seq_cst */
       q = 0; taken = 0; tfull = 0; seen = 0
     }
     notify(me)
  :: else
  fi
}

/* cpu_exec_start */
inline exec_start() {
#ifdef MUTANT_DRAIN_BEFORE_RUNNING
  drain();
  running[me] = 1;
#else
  if
  :: running[me] = 1                         /* seq_cst; then load pending_cpus: none, or the
                                              * pending exclusive section counted us */
  :: running[me] = 1;                        /* pending and we were not counted: */
     running[me] = 0;                        /* step back out, */
     notify(me);                             /* tlb_flush_owner_left, */
     running[me] = 1                         /* wait for end_exclusive, publish again */
  fi;
  drain();                                   /* seq_cst load of req_seq after running */
#endif
}

/* cpu_exec_end; also WFI/EXIT_HALT, HSM stop, and leaving to make a request */
inline exec_end() {
  running[me] = 0;                           /* seq_cst */
  notify(me)                                 /* tlb_flush_owner_left */
}

/* ---------------------------------------------------------------- requester side */

/* flush_cpus_mailbox, first loop, for target t: lock; mailbox_enqueue_locked (coalesce or
 * overflow to a full flush); s = ++req_seq (seq_cst); unlock; if (load(running) (seq_cst))
 * cpu_exit, and remember to wait for t */
inline deliver(t, pg) {
  atomic {
    if
    :: mb_full[t]                                              /* coalesced */
    :: else ->
       if
       :: mb_pages[t] & (1 << pg)                              /* coalesced */
       :: else ->
          if
          :: mb_n[t] == RING ->                                /* escalated to a full flush */
             mb_full[t] = 1; mb_pages[t] = 0; mb_n[t] = 0
          :: else ->
             mb_pages[t] = mb_pages[t] | (1 << pg); mb_n[t]++
          fi
       fi
    fi;
    req_seq[t]++;
    s[t] = req_seq[t]
  }
  if
  :: running[t] -> atomic { exit_req[t] = 1; kicked = kicked | (1 << (t)) }   /* kicked */
  :: else                                                                   /* skipped */
  fi
}

/* wait_for_target(t, s[t]): until target_state is not NONE (ack_seq >= s, or !running).
 * Default: a blocking guard. It is faithful to the futex loop because (1) the loop returns
 * exactly when one of its two separate reads finds its condition true, and the guard can
 * fire at that same instant (the rest of the requester is then merely delayed); and (2) no
 * wake-up is lost: the waiter reads ev = flush_event, then waiters++ (seq_cst), then checks;
 * the owner stores ack_seq or running = false, then ++flush_event, then reads waiters (all
 * seq_cst). If the check missed the store, the store, and so the bump, follow the check in
 * the total order; so the owner's waiters read sees the waiter and issues FUTEX_WAKE, and a
 * FUTEX_WAIT not yet asleep compares the changed flush_event with ev and returns at once.
 * With -DFUTEX that argument is checked: the handshake is modelled step by step. */
inline await(t) {
#ifdef FUTEX
  do
  ::
#ifndef MUTANT_LOST_WAKEUP
     ev = flush_event[t];                    /* seq_cst */
#endif
     waiters[t]++;                           /* seq_cst */
     if
     :: ack_seq[t] >= s[t] -> waiters[t]--; break       /* target_state: acknowledged ... */
     :: else ->
        if
        :: !running[t] -> waiters[t]--; break           /* ... or not running */
        :: else ->
           if                                           /* nudge_running_vcpus: kick */
           :: running[1 - (t)] -> exit_req[1 - (t)] = 1     /* every running vCPU but t */
           :: else
           fi;
#ifdef MUTANT_LOST_WAKEUP
           ev = flush_event[t];
#endif
           atomic {                                     /* FUTEX_WAIT(&flush_event, ev) */
             if
             :: flush_event[t] == ev -> asleep[_pid] = (t) + 1
             :: else -> skip                            /* EAGAIN: word changed */
             fi
           }
           asleep[_pid] == 0;                           /* until FUTEX_WAKE (no timeout:
                                                         * see the header) */
           waiters[t]--
        fi
     fi
  od;
  ev = 0
#else
  (ack_seq[t] >= s[t] || !running[t])
#endif
}

inline await_kicked(t) {
#ifndef MUTANT_NO_WAIT
  if
  :: (kicked & (1 << (t))) -> await(t)
  :: else
  fi
#else
  skip
#endif
}

/* The caller changed the PTE of page pg (revoke), then tlb_flush_cpus(..., synced = true).
 * flush_cpus_mailbox applies the requester's own part (tlb_flush_apply_local) between the
 * delivery and the wait; that touches only its own TLB, so it is done at the end here. */
inline revoke(pg) {
  atomic { pte[pg]++; v = pte[pg] }
}

inline returned(pg) {
  d_step {
    if :: done_ver[pg] < v -> done_ver[pg] = v :: else fi;
    kicked = 0; v = 0; s[0] = 0; s[1] = 0
  }
}

/* ---------------------------------------------------------------- processes */

active [NCPU] proctype vcpu() {
  byte me = _pid;                            /* flushes page me in vCPU 1 - me */
  byte maxentry = (_pid == 0 -> MAXENTRY0 : MAXENTRY1);
  byte entries = 0, tbs = 0;
  bool requested = 0;
  byte p, seen, taken, q, w, ev, v, kicked;
  bool tfull;
  byte s[NCPU];
  byte tlb[NPAGE];                           /* this vCPU's TLB: 0: no entry; else 1 + the
                                              * PTE version the entry was filled from */
  do
  :: entries < maxentry ->
     entries++;
     exec_start();
     do                                      /* the cpu_exec loop: one iteration per TB */
     :: tbs < MAXTB ->
        tbs++;
        if
        :: atomic { exit_req[me] -> exit_req[me] = 0 } ->   /* exchange(icount_decr,0) < 0 */
           drain();
           if
           :: true                           /* only flushes: continue inside */
           :: break                          /* cpu_must_leave */
           fi
        :: else
        fi;
        /* the TB accesses a page through the TLB, refilling from the current PTE on a miss */
        atomic {
          if :: p = 0 :: p = 1 fi;
          if
          :: tlb[p] == 0 -> tlb[p] = pte[p] + 1
          :: else
          fi
        }
        d_step {                             /* the access itself, possibly later */
          assert(tlb[p] > done_ver[p]);
          p = 0
        }
#ifdef MUTANT_WAIT_INSIDE
        if
        :: !requested ->                     /* request without leaving guest execution */
           requested = 1;
           revoke(me); deliver(1 - me, me); await_kicked(1 - me); tlb[me] = 0; returned(me)
        :: else
        fi;
#endif
        if
        :: true
        :: break                             /* EXIT_HALT (WFI) or another reason to leave */
        fi
     :: else -> break
     od;
     tbs = 0;
     exec_end()
  :: !requested ->                           /* outside guest execution: flush the other */
     requested = 1;
     if
     :: (VCPU_REQUESTS & (1 << me)) ->
        revoke(me); deliver(1 - me, me); await_kicked(1 - me); tlb[me] = 0; returned(me)
                                             /* then the loop re-enters via exec_start */
     :: else
     fi
  :: entries == maxentry && requested -> break
  od
}

active proctype thread() {                   /* a device model or the machine thread */
  byte ev, v, kicked;
  byte s[NCPU];
  revoke(THREAD_PAGE);
  deliver(0, THREAD_PAGE);
  deliver(1, THREAD_PAGE);
  await_kicked(0);
  await_kicked(1);
  returned(THREAD_PAGE)
}
