#!/usr/bin/env python3
"""Soak: tlbtorture on many vCPUs for minutes while the host keeps changing the guest memory
map underneath it (--remap-test), watching the emulator's memory use.

    python3 bench/soak.py                      # 8 vCPUs, 10 minutes, a map change every 1 ms
    python3 bench/soak.py --minutes 1 --smp 4 --period 500us --json out.json

Reports the guest's reader checks, page-table changes, stale reads (every violation kind,
map-stale included: must all be 0), host map changes, the synced flush requests and the
deliveries tlbstorm counted (--stats JSON), and the resident set size sampled every second:
peak, and the growth from the end of the warm-up to the end. Exit status 1 if the guest
failed, any violation was counted, or RSS grew by more than --max-growth-mib after the
warm-up (a leak: per-change work that is never freed). Methodology: docs/measuring.md."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_kib(pid):
    """VmRSS of pid in KiB, or None once it is gone."""
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--emulator', default=os.path.join(TOP, 'build', 'tlbstorm'))
    ap.add_argument('--guest', default=os.path.join(TOP, 'build', 'guests', 'tlbtorture.elf'))
    ap.add_argument('--smp', type=int, default=8)
    ap.add_argument('--minutes', type=float, default=10.0)
    ap.add_argument('--period', default='1ms', help='--remap-test period (default 1ms)')
    ap.add_argument('--flush', default='mailbox', help='mailbox or qemu')
    ap.add_argument('--append', default='', help='more tlbtorture bootargs')
    ap.add_argument('--warmup', type=float, default=None,
                    help='seconds before the RSS baseline (default: 10%% of the run, >= 10 s)')
    ap.add_argument('--max-growth-mib', type=float, default=8.0)
    ap.add_argument('--json', default=None, help='write the results here too')
    args = ap.parse_args()

    secs = max(1, int(args.minutes * 60))
    warmup = args.warmup if args.warmup is not None else max(10.0, secs * 0.1)
    warmup = min(warmup, secs * 0.5)
    tmp = tempfile.TemporaryDirectory()
    stats_path = os.path.join(tmp.name, 'stats.json')
    cmd = [args.emulator, '-M', 'virt', '-smp', str(args.smp), '-m', '256M', '-nographic',
           '-kernel', args.guest, '-append', f'secs={secs} {args.append}'.strip(),
           '--remap-test=' + args.period, '--flush=' + args.flush, '--stats=' + stats_path,
           '--no-progress']
    print(' '.join(cmd), flush=True)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out_chunks = []
    reader = threading.Thread(target=lambda: out_chunks.append(p.stdout.read()))
    reader.start()
    samples = []                       # (seconds since start, RSS KiB)
    next_report = 60.0
    while p.poll() is None:
        kib = rss_kib(p.pid)
        now = time.monotonic() - t0
        if kib is not None:
            samples.append((now, kib))
        if now >= next_report:
            print(f'  {now / 60:5.1f} min  RSS {kib / 1024 if kib else 0:7.1f} MiB', flush=True)
            next_report += 60.0
        time.sleep(1.0)
    reader.join()
    wall = time.monotonic() - t0
    out = b''.join(out_chunks).decode(errors='replace')

    problems = []
    if p.returncode != 0:
        problems.append(f'tlbstorm exit status {p.returncode}')
    m = re.search(r'tlbtorture: checks=(\d+) changes=(\d+) violations=(\d+)', out)
    checks, changes, violations = map(int, m.groups()) if m else (0, 0, -1)
    if not m:
        problems.append('no tlbtorture summary line')
    elif violations:
        problems.append(f'{violations} violations')
    kinds = dict((k, int(v)) for k, v in re.findall(r'(\S+)=(\d+)',
                 (re.search(r'^violations:(.*)$', out, re.M) or [None, ''])[1]))
    mm = re.search(r'remap-test: host map changes (\d+), checks A=(\d+) none=(\d+) B=(\d+) '
                   r'overlay=(\d+), torn by a change (\d+)', out)
    map_changes = int(mm.group(1)) if mm else 0
    map_checks = sum(int(x) for x in mm.groups()[1:5]) if mm else 0
    if not mm:
        problems.append('no remap-test line (is this tlbstorm with --remap-test?)')
    elif min(int(x) for x in mm.groups()[1:5]) == 0:
        problems.append('some remap-test layout was never checked')
    try:
        with open(stats_path) as f:
            stats = json.load(f)
        synced = sum(r['synced'] for r in stats['requests'].values())
        delivery = stats['delivery']
    except (OSError, ValueError, KeyError) as e:
        problems.append(f'--stats JSON unreadable: {e}')
        synced, delivery = 0, {}

    peak = max((k for _, k in samples), default=0)
    base = [k for t, k in samples if t >= warmup]
    baseline = base[0] if base else 0
    final = samples[-1][1] if samples else 0
    growth_mib = (max(base) - baseline) / 1024 if base else 0.0
    if not base:
        problems.append('no RSS sample after the warm-up')
    elif growth_mib > args.max_growth_mib:
        problems.append(f'RSS grew {growth_mib:.1f} MiB after the warm-up '
                        f'(limit {args.max_growth_mib} MiB)')

    result = {
        'command': cmd, 'wall_s': round(wall, 1), 'guest_secs': secs, 'vcpus': args.smp,
        'period': args.period, 'flush': args.flush,
        'checks': checks, 'page_table_changes': changes, 'violations': violations,
        'violation_kinds': kinds, 'map_changes': map_changes, 'map_checks': map_checks,
        'synced_requests': synced, 'delivery': delivery,
        'rss_mib': {'peak': round(peak / 1024, 1), 'after_warmup': round(baseline / 1024, 1),
                    'final': round(final / 1024, 1), 'growth_after_warmup': round(growth_mib, 2),
                    'warmup_s': warmup, 'samples': len(samples)},
        'problems': problems,
    }
    print(f'\nsoak: {args.smp} vCPUs, {secs} s guest time, {wall:.0f} s wall, '
          f'--remap-test={args.period}, --flush={args.flush}')
    print(f'  reader checks        {checks:,}')
    print(f'  page-table changes   {changes:,}')
    print(f'  violations           {violations}  ' +
          ' '.join(f'{k}={v}' for k, v in kinds.items()))
    print(f'  host map changes     {map_changes:,}  (map checks {map_checks:,})')
    print(f'  synced requests      {synced:,}')
    print('  deliveries           ' + ', '.join(f'{k} {v:,}' for k, v in delivery.items()))
    print(f'  RSS MiB              peak {peak / 1024:.1f}, after {warmup:.0f} s warm-up '
          f'{baseline / 1024:.1f}, final {final / 1024:.1f}, growth {growth_mib:+.2f}')
    for msg in problems:
        print('soak: FAIL ' + msg)
    if not problems:
        print('soak: PASS')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    if problems:
        print(out[-3000:])
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
