#!/usr/bin/env python3
"""--tlb-check on Linux kernels with one injected TLB bug each (bench/linux/build-bug-kernels.sh)
and on the unmodified kernel: tlbshoot (every loop, wprotect included) at each -smp, with
--symbols System.map. Prints one row per kernel and -smp: missing-flush reports, the kernel
functions named as changers, and tlbshoot's verdict; with --json FILE also writes them.

    python3 bench/linux/tlb_check_bugs.py
    python3 bench/linux/tlb_check_bugs.py --smp 2,4 --tlbstorm build/tlbstorm --json bugs.json

Exit status 1 unless the unmodified kernel gets no report and every injected bug gets at
least one, with a changer named through System.map. Not part of CI (it builds kernels)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get('TLBSTORM_LINUX_CACHE', os.path.expanduser('~/.cache/tlbstorm-linux'))


def run(tlbstorm, image, system_map, initrd, smp, iters, timeout):
    with tempfile.NamedTemporaryFile(suffix='.json') as js:
        argv = [tlbstorm, '-M', 'virt', '-smp', str(smp), '-m', '512M', '-nographic',
                '--no-progress', '--tlb-check', '--tlb-check-json', js.name,
                '--symbols', system_map, '-kernel', image, '-initrd', initrd, '-append',
                f'console=ttyS0 tlbshoot_iters={iters}']
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout)
            out = p.stdout.decode(errors='replace')
        except subprocess.TimeoutExpired:
            return None
        rows = [json.loads(line) for line in open(js.name) if line.strip()]
    reports = [r for r in rows if r.get('type') == 'missing_flush']
    changers = sorted({r['changer_symbol'].split('+')[0] for r in reports
                       if r.get('changer_symbol')})
    verdict = 'PASS' if 'tlbshoot: PASS' in out else 'FAIL' if 'tlbshoot: FAIL' in out \
        else 'none'
    return {'reports': len(reports), 'changers': changers, 'tlbshoot': verdict,
            'status': p.returncode}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tlbstorm', default=os.path.join(HERE, '../../build/tlbstorm'))
    ap.add_argument('--smp', default='2,4')
    ap.add_argument('--iters', type=int, default=200)
    ap.add_argument('--timeout', type=float, default=300)
    ap.add_argument('--json', metavar='FILE')
    args = ap.parse_args()

    built = subprocess.run([os.path.join(HERE, 'build-bug-kernels.sh')], capture_output=True,
                           text=True)
    if built.returncode != 0:
        sys.exit('tlb_check_bugs: build-bug-kernels.sh failed:\n' + built.stderr[-2000:])
    kernels = [('none', os.path.join(CACHE, 'build/arch/riscv/boot/Image'),
                os.path.join(CACHE, 'build/System.map'))]
    kernels += [tuple(line.split()) for line in built.stdout.splitlines() if line.strip()]
    initrd = os.path.join(CACHE, 'initramfs.cpio')

    results, ok = [], True
    print(f'{"injected bug":<18} {"smp":>3} {"reports":>7} {"tlbshoot":<8} changers')
    for name, image, system_map in kernels:
        for smp in [int(s) for s in args.smp.split(',')]:
            r = run(args.tlbstorm, image, system_map, initrd, smp, args.iters, args.timeout)
            if r is None:
                print(f'{name:<18} {smp:>3} timed out')
                ok = False
                continue
            print(f'{name:<18} {smp:>3} {r["reports"]:>7} {r["tlbshoot"]:<8} '
                  f'{", ".join(r["changers"]) or "-"}')
            results.append({'bug': name, 'smp': smp, **r})
            if name == 'none':
                ok &= r['reports'] == 0 and r['tlbshoot'] == 'PASS'
            else:
                ok &= r['reports'] > 0 and bool(r['changers'])
    if args.json:
        with open(args.json + '.tmp', 'w') as f:
            json.dump(results, f, indent=1)
        os.replace(args.json + '.tmp', args.json)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
