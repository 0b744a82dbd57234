#!/usr/bin/env python3
"""Boot the flushlat guest headless and check its report, not its numbers.

Pass condition: exit status 0 within the timeout, a "flushlat: done" line and no FAIL line,
every machine-readable line ("flushlat: kind=... mode=... targets=...") parses with every
documented key, the cells are exactly the expected kinds x modes x target counts (counts of N
or more dropped, "all" = N - 1; on one hart one self-fence cell per kind), each cell has the
requested sample count, its percentiles are ordered, and remote fences took a positive time.
Latency values are not judged: this is a test of the guest and its SBI paths, not a benchmark."""
import argparse
import os
import re
import subprocess
import sys

LINE = re.compile(r'^flushlat: kind=\S+ ')
KEYS = ['kind', 'mode', 'targets', 'harts', 'n', 'p50_us', 'p90_us', 'p99_us', 'max_us',
        'min_us', 'mean_us', 'mean_cycles', 'peer_ops_per_ms']


def parse_cells(out):
    cells, errors = [], []
    for line in out.splitlines():
        line = line.strip()
        if not LINE.match(line):
            continue
        fields = dict(kv.split('=', 1) for kv in line.split()[1:] if '=' in kv)
        if list(fields) != KEYS:
            errors.append('keys %s, expected %s: %r' % (list(fields), KEYS, line))
            continue
        try:
            for k in ('targets', 'harts', 'n', 'mean_cycles'):
                fields[k] = int(fields[k])
            for k in KEYS:
                if k.endswith('_us') or k == 'peer_ops_per_ms':
                    fields[k] = float(fields[k])
        except ValueError as e:
            errors.append('%s: %r' % (e, line))
            continue
        cells.append(fields)
    return cells, errors


def expected_cells(smp, kinds, modes, targets):
    if smp == 1:
        return {(k, 'none', 0) for k in kinds}
    counts = set()
    for t in targets:
        k = smp - 1 if t == 'all' else int(t)
        if 1 <= k <= smp - 1:
            counts.add(k)
    return {(k, m, t) for k in kinds for m in modes for t in counts}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--emulator', required=True)
    ap.add_argument('--smp', type=int, default=4)
    ap.add_argument('--bios', help='firmware for -bios (default: none given, built-in SBI)')
    ap.add_argument('--samples', type=int, default=20)
    ap.add_argument('--kinds', default='page,range,asid,all,fence_i')
    ap.add_argument('--modes', default='busy,idle,flushing')
    ap.add_argument('--targets', default='1,3,7,all')
    ap.add_argument('--timeout', type=float, default=90.0)
    ap.add_argument('--taskset', help='run pinned to this host CPU list (taskset -c)')
    ap.add_argument('--min-busy-peer-ops', type=float, default=None,
                    help='busy targets must complete at least this many loop passes per ms')
    ap.add_argument('--emulator-arg', action='append', default=[],
                    help='extra emulator option (repeatable), e.g. --run-slots=off')
    ap.add_argument('elf')
    args = ap.parse_args()

    if args.bios and not os.path.isfile(args.bios):
        print('missing %s (install opensbi)' % args.bios)
        return 1
    kinds, modes, targets = (s.split(',') for s in (args.kinds, args.modes, args.targets))
    append = ('samples=%d cell_ms=0 warmup=2 kinds=%s modes=%s targets=%s'
              % (args.samples, args.kinds, args.modes, args.targets))
    bios = ['-bios', args.bios] if args.bios else []
    cmd = [args.emulator, '-M', 'virt', '-smp', str(args.smp), '-m', '128M', '-nographic'] + \
        bios + args.emulator_arg + ['-kernel', args.elf, '-append', append]
    if args.taskset:
        cmd = ['taskset', '-c', args.taskset] + cmd
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        print((e.stdout or b'').decode(errors='replace'))
        print('TIMEOUT after %.0f s: %s' % (args.timeout, ' '.join(cmd)))
        return 1
    out = p.stdout.decode(errors='replace')
    print(out, end='')

    failures = []
    if p.returncode != 0:
        failures.append('exit status %d, expected 0' % p.returncode)
    if 'flushlat: FAIL' in out:
        failures.append('the guest reported FAIL')
    if not re.search(r'(?m)^flushlat: done\s*$', out):
        failures.append('no "flushlat: done" line')
    cells, errors = parse_cells(out)
    failures += ['unparsable cell line: ' + e for e in errors]

    want = expected_cells(args.smp, kinds, modes, targets)
    got = [(c['kind'], c['mode'], c['targets']) for c in cells]
    if len(got) != len(set(got)):
        failures.append('a cell is reported twice')
    if set(got) != want:
        failures.append('cells missing: %s; unexpected: %s'
                        % (sorted(want - set(got)), sorted(set(got) - want)))
    for c in cells:
        name = '%s/%s/%d' % (c['kind'], c['mode'], c['targets'])
        if c['harts'] != args.smp:
            failures.append('%s: harts=%d, expected %d' % (name, c['harts'], args.smp))
        if c['n'] != args.samples:
            failures.append('%s: n=%d, expected %d' % (name, c['n'], args.samples))
        if not (c['min_us'] <= c['p50_us'] <= c['p90_us'] <= c['p99_us'] <= c['max_us']):
            failures.append('%s: percentiles out of order' % name)
        if not c['min_us'] <= c['mean_us'] <= c['max_us']:
            failures.append('%s: mean outside [min, max]' % name)
        # A remote fence is an SBI call that reaches another hart: at least one timebase tick
        # at the median. A self fence can be shorter than a tick; it must still show a time.
        if c['max_us'] <= 0 or (c['targets'] > 0 and c['p50_us'] <= 0):
            failures.append('%s: latency not positive' % name)
        # Idle harts sleep in WFI and count nothing. (Busy ones may also show 0 in a cell
        # this short when the host did not run them, so that is not checked.)
        if c['peer_ops_per_ms'] < 0 or (c['mode'] == 'idle' and c['peer_ops_per_ms'] != 0):
            failures.append('%s: peer_ops_per_ms=%s' % (name, c['peer_ops_per_ms']))
        if (args.min_busy_peer_ops is not None and c['mode'] == 'busy' and
                c['peer_ops_per_ms'] < args.min_busy_peer_ops):
            failures.append('%s: busy targets made %.1f loop passes per ms, expected at least '
                            '%.1f: fences starve them' % (name, c['peer_ops_per_ms'],
                                                           args.min_busy_peer_ops))
    table_rows = [l for l in out.splitlines()
                  if re.match(r'^(page|range|asid|all|fence_i)\s+(busy|idle|flushing|none)\s', l)]
    if len(table_rows) != len(want):
        failures.append('table has %d rows, expected %d' % (len(table_rows), len(want)))

    for f in failures:
        print('FAIL: %s' % f)
    if not failures:
        print('flushlat_guest: %d cells ok' % len(cells))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
