#!/usr/bin/env python3
"""Boot the tlbtorture guest headless and judge the run.

Pass: exit status 0 within the timeout, a "tlbtorture: PASS" line, zero violations, at least
--min-checks reader checks and some page-table changes. With --stats the emulator's JSON must
count at least as many synced remote flush requests as the guest made remote fences (each
SBI RFENCE that names another hart becomes one request; the guest's own hart is flushed
locally), so the statistics cannot silently miss shootdowns.

With --remap-test PERIOD the host also keeps moving the remap-test window (changing the
memory map under the guest): the guest must report map checks in each of the four layouts,
some host map changes, and (in its violation count) no stale view of the map; with --stats
each map change is one more synced request.

With --expect-bug NAME the guest runs with bug=NAME added to --append (a planted fencing
bug, docs/tlbtorture.md) and the run must fail instead: the guest's line for the bug
("tlbtorture: bug=NAME: hart H ... PTE at pa 0x... (va 0x...)"), violations > 0,
"tlbtorture: FAIL" and exit status 1; checks, changes and the fence table as for a pass."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--emulator', required=True)
    ap.add_argument('--guest', required=True)
    ap.add_argument('--smp', default='4')
    ap.add_argument('--memory', default='256M', help='-m (512 harts need 4G: frame pools)')
    ap.add_argument('--append', default='secs=2')
    ap.add_argument('--bios', default=None, help='firmware image (default: built-in SBI)')
    ap.add_argument('--flush', default=None, help='--flush=STRATEGY for tlbstorm')
    ap.add_argument('--stats', action='store_true', help='cross-check --stats=FILE.json')
    ap.add_argument('--remap-test', default=None, help='--remap-test=PERIOD for tlbstorm')
    ap.add_argument('--run-slots', default=None, help='--run-slots=N for tlbstorm')
    ap.add_argument('--min-checks', type=int, default=1000)
    ap.add_argument('--timeout', type=float, default=120.0)
    ap.add_argument('--expect-bug', default=None,
                    help='the guest plants bug=NAME: expect its bug line and a failure')
    args = ap.parse_args()

    append = args.append + (' bug=' + args.expect_bug if args.expect_bug else '')
    cmd = [args.emulator, '-M', 'virt', '-smp', args.smp, '-m', args.memory, '-nographic',
           '-kernel', args.guest, '-append', append]
    if args.bios:
        cmd += ['-bios', args.bios]
    if args.flush:
        cmd += ['--flush=' + args.flush]
    if args.remap_test:
        cmd += ['--remap-test=' + args.remap_test]
    if args.run_slots:
        cmd += ['--run-slots=' + args.run_slots]
    tmp = tempfile.TemporaryDirectory()
    stats_path = os.path.join(tmp.name, 'stats.json')
    if args.stats:
        cmd += ['--stats=' + stats_path]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        print((e.stdout or b'').decode(errors='replace'))
        print(f'TIMEOUT after {args.timeout}s: {" ".join(cmd)}')
        return 1
    out = p.stdout.decode(errors='replace')
    print(' '.join(cmd))
    print(out, end='')
    problems = []
    bug = args.expect_bug
    if bug:
        if p.returncode != 1:
            problems.append(f'exit status {p.returncode}, expected 1 (failure)')
        if 'tlbtorture: FAIL' not in out:
            problems.append('no "tlbtorture: FAIL" line')
        if not re.search(r'^tlbtorture: bug=' + re.escape(bug) + r': hart \d+ .*PTE at pa '
                         r'0x[0-9a-f]+ \(va 0x[0-9a-f]+\)', out, re.MULTILINE):
            problems.append(f'no "tlbtorture: bug={bug}: hart H ... PTE at pa" line')
    else:
        if p.returncode != 0:
            problems.append(f'exit status {p.returncode}, expected 0')
        if 'tlbtorture: PASS' not in out:
            problems.append('no "tlbtorture: PASS" line')
    m = re.search(r'tlbtorture: checks=(\d+) changes=(\d+) violations=(\d+)', out)
    if not m:
        problems.append('no summary line')
    else:
        checks, changes, violations = map(int, m.groups())
        if violations and not bug:
            problems.append(f'{violations} violations')
        if not violations and bug:
            problems.append(f'no violations with bug={bug}')
        if checks < args.min_checks:
            problems.append(f'only {checks} checks, expected at least {args.min_checks}')
        if changes == 0:
            problems.append('no page-table changes were made')
    fences = {k: int(n) for k, n in
              re.findall(r'^(page|range|asid|all)\s+(\d+)\s', out, re.MULTILINE)}
    if not fences:
        problems.append('no fence table')
    map_changes = 0
    if args.remap_test:
        m = re.search(r'remap-test: host map changes (\d+), checks A=(\d+) none=(\d+) '
                      r'B=(\d+) overlay=(\d+)', out)
        if not m:
            problems.append('no remap-test line')
        else:
            map_changes = int(m.group(1))
            if map_changes < 4:
                problems.append(f'only {map_changes} host map changes')
            for name, n in zip(('A', 'none', 'B', 'overlay'), m.groups()[1:]):
                if int(n) == 0:
                    problems.append(f'no map check in layout {name}')
    if args.stats and int(args.smp) > 1:
        try:
            with open(stats_path) as f:
                stats = json.load(f)
            synced = sum(r['synced'] for r in stats['requests'].values())
            if synced < sum(fences.values()) + map_changes:
                problems.append(f'--stats counts {synced} synced requests, the guest made '
                                f'{sum(fences.values())} remote fences and the host '
                                f'{map_changes} map changes')
            tlb = stats['tlb']
            if tlb['range_by_scan'] + tlb['range_by_space'] > tlb['flushes_range']:
                problems.append(f'more range flushes by scan or space than range flushes: '
                                f'{tlb}')
            if args.run_slots and args.run_slots.isdigit() and \
                    int(args.run_slots) < int(args.smp):
                rs = stats['run_slots']
                if rs['slots'] != int(args.run_slots):
                    problems.append(f"--stats says {rs['slots']} run slots")
                if rs['waits'] == 0 or rs['slice_handovers'] + rs['wake_handovers'] + \
                        rs['spin_handovers'] == 0:
                    problems.append(f'run slots never changed hands: {rs}')
                # A fixed count is never lifted by the governor (--run-slots=auto only).
                if rs['opens'] != 0 or rs['open_ns'] != 0:
                    problems.append(f'a fixed slot count was lifted: {rs}')
                if rs['urgent_waits'] > rs['waits'] or \
                        rs['urgent_wait_ns_sum'] > rs['wait_ns_sum']:
                    problems.append(f'more waits by woken vCPUs than waits: {rs}')
        except (OSError, ValueError, KeyError) as e:
            problems.append(f'--stats JSON unreadable: {e}')
    for msg in problems:
        print('tlbtorture_run: ' + msg)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
