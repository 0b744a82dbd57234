#!/usr/bin/env python3
"""Boot one bare-metal guest headless and check how it ends.

Pass condition: the emulator exits with status 0 within the timeout and the guest printed a
line starting with "PASS". The same script runs a guest on qemu-system-riscv64 (--emulator)
so the reference and tlbstorm are judged alike."""
import argparse
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--emulator', required=True)
    ap.add_argument('--timeout', type=float, default=60.0)
    ap.add_argument('--expect-pass', action='store_true',
                    help='require exit status 0 and a PASS line')
    ap.add_argument('--expect-status', type=int, default=None)
    ap.add_argument('--expect-output', action='append', default=[])
    ap.add_argument('--smp', default='1')
    ap.add_argument('--no-bios', action='store_true',
                    help='omit -bios none: an S-mode guest on the built-in SBI')
    ap.add_argument('elf')
    ap.add_argument('extra', nargs='*')
    args = ap.parse_args()

    bios = [] if args.no_bios else ['-bios', 'none']
    cmd = [args.emulator, '-M', 'virt'] + bios + ['-nographic', '-m', '128M',
           '-smp', args.smp, '-kernel', args.elf] + args.extra
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace')
        print(out)
        print(f'TIMEOUT after {args.timeout}s: {" ".join(cmd)}')
        return 1
    out = p.stdout.decode(errors='replace')
    print(out, end='')
    ok = True
    if args.expect_pass:
        if p.returncode != 0:
            print(f'exit status {p.returncode}, expected 0')
            ok = False
        if not any(line.startswith('PASS') for line in out.splitlines()):
            print('no PASS line in the output')
            ok = False
    if args.expect_status is not None and p.returncode != args.expect_status:
        print(f'exit status {p.returncode}, expected {args.expect_status}')
        ok = False
    for want in args.expect_output:
        if want not in out:
            print(f'missing expected output: {want!r}')
            ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
