#!/usr/bin/env python3
"""stress-ng panel on tlbstorm and QEMU: the same kernel and initramfs (bench/stressng/build.sh)
booted by each configuration in turn, interleaved (round r: every -smp, every configuration),
and bogo ops/s (real time) per stressor, as a table, JSON and a plot.

Configurations (--configs, comma separated):
  tlbstorm          tlbstorm with its built-in SBI (the default mode)
  flush-qemu        tlbstorm --flush=qemu (QEMU's flush behaviour, the baseline to beat)
  tlbstorm-opensbi  tlbstorm -bios fw_jump.bin (OpenSBI 1.1 from Debian)
  qemu-opensbi      qemu-system-riscv64 7.2 with the same OpenSBI
  tlbstorm+OPT[+OPT...]  the default mode with extra options, e.g. tlbstorm+--run-slots=off

    bench/stressng/compare.py --smp 2,4 --time 4 --json out.json --plot out.png

Ratios are against qemu-opensbi (> 1: faster than QEMU) and, for the default mode, against
flush-qemu. Exit status 1 if a run failed (no result line for a stressor, a non-zero
stress-ng status, or the emulator's). Methodology: docs/measuring.md, "stress-ng panel"."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get('TLBSTORM_STRESSNG_CACHE', os.path.expanduser('~/.cache/tlbstorm-stressng'))
FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
PANEL = ['tlb-shootdown', 'mprotect', 'munmap', 'madvise', 'mremap', 'mmap', 'mmapfork', 'fork',
         'pthread', 'switch', 'futex', 'membarrier', 'pagemove']
CONFIGS = ['tlbstorm', 'flush-qemu', 'tlbstorm-opensbi', 'qemu-opensbi']
LINE = re.compile(r'^STRESSNG (\S+) (\S+) (\S+) (\S+) (\d+)\s*$')


def command(cfg, args, smp):
    # panic=-1 with -no-reboot: a guest panic ends the run instead of spinning until the timeout.
    base = ['-M', 'virt', '-smp', str(smp), '-m', args.mem, '-nographic', '-no-reboot',
            '-kernel', args.image, '-initrd', args.initrd, '-append',
            'console=ttyS0 panic=-1 stressng_time=%d stressng_panel=%s' % (
                args.time, ','.join(args.panel))]
    if cfg == 'tlbstorm':
        return [args.tlbstorm] + base
    if cfg == 'flush-qemu':
        return [args.tlbstorm, '--flush=qemu'] + base
    if cfg == 'tlbstorm-opensbi':
        return [args.tlbstorm, '-bios', FW_JUMP] + base
    if cfg == 'qemu-opensbi':
        return [args.qemu, '-bios', FW_JUMP] + base
    if cfg.startswith('tlbstorm+'):
        return [args.tlbstorm] + cfg.split('+')[1:] + base
    raise ValueError(cfg)


def run_once(cmd, timeout, log):
    """{stressor: ops/s} of one boot, the failures, and the wall time."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        out, rc = p.stdout.decode(errors='replace'), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b'').decode(errors='replace'), 'timeout'
    wall = time.monotonic() - t0
    with open(log, 'w') as f:
        f.write('$ %s\n%s' % (' '.join(cmd), out))
    res, fails = {}, []
    for line in out.splitlines():
        m = LINE.match(line.strip().replace('\r', ''))
        if not m:
            continue
        name, ops, real, rate, st = m.groups()
        if rate == '-' or st != '0':
            fails.append('%s: stress-ng status %s' % (name, st))
            continue
        res[name] = float(rate)
    if rc != 0:
        fails.append('emulator status %s' % rc)
    if 'STRESSNG-END' not in out:
        fails.append('the panel did not finish')
    return res, fails, wall


def plot(path, args, table):
    """Clustered bars: tlbstorm / QEMU per stressor, one cluster per stressor, one bar per
    -smp (gnuplot; skipped with a message if it is not installed)."""
    if not shutil_which('gnuplot'):
        print('compare: gnuplot not installed, no plot', file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        dat = os.path.join(tmp, 'ratios.dat')
        with open(dat, 'w') as f:
            f.write('stressor ' + ' '.join('smp%d' % s for s in args.smp) + '\n')
            for name in args.panel:
                vals = []
                for s in args.smp:
                    r = table.get((s, name), {}).get('ratio_vs_qemu')
                    vals.append('%.3f' % r if r else 'NaN')
                f.write('%s %s\n' % (name, ' '.join(vals)))
        script = '''set terminal pngcairo size 1200,500 noenhanced
set output '%s'
set title 'stress-ng bogo ops/s: tlbstorm (built-in SBI) / QEMU 7.2 + OpenSBI (same kernel, same run)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'ratio (> 1: tlbstorm faster)'
set logscale y 2
set grid ytics
set xtics rotate by -30
set key top right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot for [c=2:%d] '%s' using c:xtic(1) title columnheader(c)
''' % (path, 1 + len(args.smp), dat)
        subprocess.run(['gnuplot'], input=script.encode(), check=False)


def shutil_which(name):
    from shutil import which
    return which(name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--smp', default='1,2,4,8')
    ap.add_argument('--rounds', type=int, default=1)
    ap.add_argument('--time', type=int, default=4, help='seconds per stressor (default 4)')
    ap.add_argument('--panel', default=','.join(PANEL))
    ap.add_argument('--configs', default=','.join(CONFIGS))
    ap.add_argument('--mem', default='1G')
    ap.add_argument('--tlbstorm', default=os.path.join(ROOT, 'build', 'tlbstorm'))
    ap.add_argument('--qemu', default='qemu-system-riscv64')
    ap.add_argument('--image', default=os.path.join(CACHE, 'linux', 'build', 'arch', 'riscv',
                                                    'boot', 'Image'))
    ap.add_argument('--initrd', default=os.path.join(CACHE, 'initramfs.cpio'))
    ap.add_argument('--json')
    ap.add_argument('--plot')
    ap.add_argument('--logdir')
    args = ap.parse_args()
    args.smp = [int(s) for s in args.smp.split(',')]
    args.panel = args.panel.split(',')
    configs = args.configs.split(',')
    for c in configs:
        if c not in CONFIGS and not c.startswith('tlbstorm+'):
            ap.error('unknown configuration %r (of %s)' % (c, ', '.join(CONFIGS)))
    for f in (args.image, args.initrd, args.tlbstorm):
        if not os.path.exists(f):
            print('compare: missing %s (run bench/stressng/build.sh and scripts/build.sh)' % f,
                  file=sys.stderr)
            return 1
    logdir = args.logdir or tempfile.mkdtemp(prefix='tlbstorm-stressng.')
    os.makedirs(logdir, exist_ok=True)
    timeout = 120 + len(args.panel) * args.time * 4
    samples = {}            # (config, smp, stressor) -> [ops/s]
    failures = []
    for r in range(args.rounds):
        for smp in args.smp:
            for cfg in configs:
                log = os.path.join(logdir, '%s-smp%d-r%d.log' % (cfg, smp, r))
                res, fails, wall = run_once(command(cfg, args, smp), timeout, log)
                for name, v in res.items():
                    samples.setdefault((cfg, smp, name), []).append(v)
                failures += ['%s smp%d round %d: %s (%s)' % (cfg, smp, r, f, log) for f in fails]
                print('round %d smp %d %-16s %5.0f s  %s' % (
                    r + 1, smp, cfg, wall, ' '.join('%s=%.0f' % kv for kv in sorted(res.items()))),
                    file=sys.stderr)
    med = {k: statistics.median(v) for k, v in samples.items()}
    table = {}
    print('| smp | stressor | ' + ' | '.join(configs) + ' | tlbstorm / QEMU | tlbstorm / flush-qemu |')
    print('|---' * (len(configs) + 4) + '|')
    for smp in args.smp:
        for name in args.panel:
            row = {c: med.get((c, smp, name)) for c in configs}
            q, t, fq = row.get('qemu-opensbi'), row.get('tlbstorm'), row.get('flush-qemu')
            ratio = t / q if t and q else None
            vs_fq = t / fq if t and fq else None
            table[(smp, name)] = {'ops_per_s': row, 'ratio_vs_qemu': ratio,
                                  'ratio_vs_flush_qemu': vs_fq}
            print('| %d | %s | %s | %s | %s |' % (
                smp, name, ' | '.join('%.0f' % row[c] if row[c] else '-' for c in configs),
                '%.2fx' % ratio if ratio else '-', '%.2fx' % vs_fq if vs_fq else '-'))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'schema': 'tlbstorm-stressng-1', 'time_s': args.time, 'rounds': args.rounds,
                       'configs': configs, 'smp': args.smp, 'panel': args.panel,
                       'samples': [{'config': c, 'smp': s, 'stressor': n, 'ops_per_s': v}
                                   for (c, s, n), v in sorted(samples.items())],
                       'failures': failures}, f, indent=1)
    if args.plot:
        plot(os.path.abspath(args.plot), args, table)
    for f in failures:
        print('FAILED ' + f, file=sys.stderr)
    print('logs in %s' % logdir, file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
