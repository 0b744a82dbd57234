#!/usr/bin/env python3
"""A/B of tlbstorm variants on Linux's tlbshoot: the same kernel and initramfs booted by each
variant in turn, round after round (interleaved, so host drift hits every variant alike), and
the median µs/op of each tlbshoot loop per variant and -smp.

    python3 bench/linux/ab.py jit=build/tlbstorm "interp=build/tlbstorm --jit=off"
    python3 bench/linux/ab.py --rounds 5 --smp 2 --tests mprotect old=/tmp/old new=build/tlbstorm

A VARIANT is NAME=COMMAND: a tlbstorm binary and any options of its own; the board, kernel,
initramfs and command line are added (-M virt -m 512M -nographic -kernel IMAGE -initrd INITRD
-append "console=ttyS0 tlbshoot_tests=... tlbshoot_iters=..."). Prints one row per variant,
-smp and loop with the median and every value, and a "wall" row: the whole run (boot, tlbshoot,
power-off) in seconds; with --json FILE also writes them. Exit status
1 if any run failed (non-zero status or no "tlbshoot: PASS"). Needs build-kernel.sh and
build-initramfs.sh to have run; methodology in docs/measuring.md."""
import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

CACHE = os.environ.get('TLBSTORM_LINUX_CACHE', os.path.expanduser('~/.cache/tlbstorm-linux'))
LINE = re.compile(r'^tlbshoot: (\w+)\s+\d+ cpus\s+\d+ ops\s+([0-9.]+) us/op')


def run_once(cmd, image, initrd, smp, tests, iters, timeout):
    """µs/op per tlbshoot loop of one boot, and the run's wall time in seconds under 'wall',
    or None if the run failed."""
    argv = shlex.split(cmd) + [
        '-M', 'virt', '-smp', str(smp), '-m', '512M', '-nographic', '--no-progress',
        '-kernel', image, '-initrd', initrd, '-append',
        f'console=ttyS0 tlbshoot_tests={tests} tlbshoot_iters={iters}']
    start = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    wall = time.monotonic() - start
    out = p.stdout.decode(errors='replace').replace('\r', '')
    if p.returncode != 0 or 'tlbshoot: PASS' not in out:
        return None
    res = {m.group(1): float(m.group(2)) for m in map(LINE.match, out.splitlines()) if m}
    res['wall'] = wall
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('variants', nargs='+', metavar='NAME=COMMAND')
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--smp', default='1,2', help='comma-separated -smp values (default 1,2)')
    ap.add_argument('--tests', default='mprotect,munmap,madvise',
                    help='tlbshoot_tests (default mprotect,munmap,madvise)')
    ap.add_argument('--iters', type=int, default=3000, help='tlbshoot_iters (default 3000)')
    ap.add_argument('--image', default=os.path.join(CACHE, 'build/arch/riscv/boot/Image'))
    ap.add_argument('--initrd', default=os.path.join(CACHE, 'initramfs.cpio'))
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--json', metavar='FILE')
    args = ap.parse_args()

    variants = []
    for v in args.variants:
        name, sep, cmd = v.partition('=')
        if not sep or not name or not cmd:
            sys.exit(f'ab.py: variant {v!r}: expected NAME=COMMAND')
        variants.append((name, cmd))
    for path in (args.image, args.initrd):
        if not os.path.exists(path):
            sys.exit(f'ab.py: missing {path} (run bench/linux/build-kernel.sh and '
                     'build-initramfs.sh)')
    smps = [int(s) for s in args.smp.split(',')]

    values = {}      # (variant, smp, loop) -> [µs/op per round]
    failed = 0
    for r in range(args.rounds):
        order = variants if r % 2 == 0 else variants[::-1]
        for smp in smps:
            for name, cmd in order:
                res = run_once(cmd, args.image, args.initrd, smp, args.tests, args.iters,
                               args.timeout)
                if res is None:
                    print(f'round {r + 1}: {name} -smp {smp}: FAILED', file=sys.stderr)
                    failed += 1
                    continue
                for loop, us in res.items():
                    values.setdefault((name, smp, loop), []).append(us)
                print(f'round {r + 1}: {name} -smp {smp}: ' +
                      ', '.join(f'{k} {v}' for k, v in res.items()), file=sys.stderr)

    print(f'{"variant":<12} {"smp":>3} {"loop":<9} {"median":>10}  values (us/op; wall: s)')
    rows = []
    for (name, smp, loop), vals in sorted(values.items(), key=lambda kv: (kv[0][2], kv[0][1],
                                                                          kv[0][0])):
        med = statistics.median(vals)
        rows.append({'variant': name, 'smp': smp, 'loop': loop, 'median_us': med,
                     'values_us': vals})
        print(f'{name:<12} {smp:>3} {loop:<9} {med:>10.1f}  ' +
              ' '.join(f'{v:.1f}' for v in vals))
    if args.json:
        with open(args.json + '.tmp', 'w') as f:
            json.dump({'rounds': args.rounds, 'iters': args.iters, 'tests': args.tests,
                       'variants': dict(variants), 'rows': rows}, f, indent=1)
        os.replace(args.json + '.tmp', args.json)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
