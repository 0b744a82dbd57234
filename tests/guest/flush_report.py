#!/usr/bin/env python3
"""--stats=FILE.json and --trace-flush=FILE on a guest that shoots down through SBI RFENCE.

Boots the built-in-SBI test guest (sbi_test) on 4 vCPUs in each --flush strategy and checks
that the JSON report and the per-request trace agree with each other and with what the guest
does (remote fence.i, sfence.vma of a page, of an ASID), that every trace line parses, and that
the per-target acknowledgements are consistent: in the mailbox strategy every kicked target of
a synced request acknowledged (ack=) or left guest code (left=) between issue and completion,
and skipped targets carry neither; with --flush=qemu every work item carries its ack time. The
ack counts of the JSON histograms match the trace.

    flush_report.py TLBSTORM SBI_TEST_ELF
"""
import json
import os
import re
import subprocess
import sys
import tempfile

LINE = re.compile(r'^(\d+\.\d+) (hart\d+|host) (all|asid|page|range|fence_i) 0x[0-9a-f]+ '
                  r'0x[0-9a-f]+ (any|\d+) (sync|async) (\d+\.\d+)((?: \d+:(?:kicked|skipped|work)'
                  r'(?::coalesced|:escalated)?(?::(?:ack|left)=\d+)?)+)$')
TARGET = re.compile(r'^(\d+):(kicked|skipped|work)(?::(coalesced|escalated))?'
                    r'(?::(ack|left)=(\d+))?$')


def check_targets(strategy, ln, mode, total_us, targets):
    """Per-target consistency of one trace line; returns (problems, acks, lefts)."""
    problems, acks, lefts = [], 0, 0
    for tok in targets.split():
        cpu, delivery, _, answer, ns = TARGET.match(tok).groups()
        if answer == 'ack':
            acks += 1
        elif answer == 'left':
            lefts += 1
        if strategy == 'qemu':
            # Every work item runs (at the latest when its vCPU thread exits) and the line is
            # written once all have, so each one has its time; it may come after completion.
            if delivery != 'work' or answer != 'ack':
                problems.append('%s: work target %s without ack: %r' % (strategy, cpu, ln))
            continue
        if delivery == 'kicked' and mode == 'sync':
            if answer is None:
                problems.append('%s: kicked target %s of a synced request did not answer: %r'
                                % (strategy, cpu, ln))
            elif int(ns) > total_us * 1000 + 1:
                problems.append('%s: target %s answered after completion: %r'
                                % (strategy, cpu, ln))
        elif answer is not None:
            problems.append('%s: target %s has an answer but was not waited for: %r'
                            % (strategy, cpu, ln))
    return problems, acks, lefts


def check(emu, elf, strategy, d):
    problems = []
    stats = os.path.join(d, strategy + '.json')
    trace = os.path.join(d, strategy + '.trace')
    p = subprocess.run([emu, '-M', 'virt', '-smp', '4', '-m', '128M', '-nographic',
                        '--flush=' + strategy, '--stats=' + stats, '--trace-flush=' + trace,
                        '-kernel', elf], stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    if p.returncode != 0 or b'PASS sbi_test' not in p.stdout:
        return ['%s: status %d, stderr %r' % (strategy, p.returncode, p.stderr[-300:])]
    doc = json.load(open(stats))
    if doc['strategy'] != strategy or doc['vcpus'] != 4:
        problems.append('%s: header %r' % (strategy, {k: doc[k] for k in ('strategy', 'vcpus')}))
    req = doc['requests']
    for kind in ('page', 'fence_i', 'asid'):
        if req[kind]['synced'] < 1:
            problems.append('%s: no synced %s request counted' % (strategy, kind))
    lines = open(trace).read().splitlines()
    if not lines or not lines[0].startswith('# tlbstorm flush trace'):
        problems.append('%s: trace header missing' % strategy)
    if lines and 'v2:' not in lines[0]:
        problems.append('%s: trace header is not v2: %r' % (strategy, lines[0]))
    per_kind, acks_per_kind, lefts = {}, {}, 0
    for ln in lines[1:]:
        m = LINE.match(ln)
        if not m:
            problems.append('%s: trace line does not parse: %r' % (strategy, ln))
            continue
        kind = m.group(3)
        per_kind[kind] = per_kind.get(kind, 0) + 1
        p, acks, nleft = check_targets(strategy, ln, m.group(5), float(m.group(6)), m.group(7))
        problems += p
        acks_per_kind[kind] = acks_per_kind.get(kind, 0) + acks
        lefts += nleft
    for kind in req:
        if req[kind]['ack_latency_ns']['count'] != acks_per_kind.get(kind, 0):
            problems.append('%s: %d %s acks in the JSON, %d in the trace' % (
                strategy, req[kind]['ack_latency_ns']['count'], kind,
                acks_per_kind.get(kind, 0)))
    if strategy == 'mailbox' and doc['delivery']['left'] != lefts:
        problems.append('%s: %d targets left in the JSON, %d in the trace' % (
            strategy, doc['delivery']['left'], lefts))
    # The trace opens after the boot-time memory-map flush; every request after it is traced.
    for kind in ('page', 'fence_i', 'asid', 'range'):
        counted = req[kind]['synced'] + req[kind]['async']
        if per_kind.get(kind, 0) != counted:
            problems.append('%s: %d %s lines traced, %d counted' % (strategy,
                            per_kind.get(kind, 0), kind, counted))
    delivered = doc['delivery']['received'] if strategy == 'mailbox' else None
    targets = sum(req[k]['targets'] for k in req)
    if delivered is not None and delivered != targets:
        problems.append('%s: %d deliveries for %d targets' % (strategy, delivered, targets))
    return problems


def main():
    emu, elf = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as d:
        for strategy in ('mailbox', 'qemu'):
            failures += check(emu, elf, strategy, d)
    for f in failures:
        print('FAIL', f)
    print('%d failures' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
