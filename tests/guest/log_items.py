#!/usr/bin/env python3
"""-d items on real runs (the log goes to stderr or -D files):
  - nochain: a guest's loop logged with -d exec shows more blocks than with chaining, and
    -d cpu,nochain dumps the registers once per logged block;
  - fpu adds the FP registers to -d cpu_reset's dump, which names each hart;
  - page logs TLB fills of an S-mode guest (vaddr -> paddr, size, rights);
  - tid with -D FILE%d writes one file per hart (only that hart's lines) and FILEmain.

    log_items.py TLBSTORM MMODE_ELF SMODE_SMP_ELF
"""
import os
import re
import subprocess
import sys

from testlib import reap, report
import tempfile


def run(tlbstorm, args):
    p = subprocess.run([tlbstorm, '-M', 'virt', '-nographic'] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=120)
    return p.returncode, p.stderr.decode(errors='replace')


def main():
    tlbstorm, mmode, smode = sys.argv[1], sys.argv[2], sys.argv[3]
    problems = []

    _, chained = run(tlbstorm, ['-bios', 'none', '-d', 'exec', '-kernel', mmode])
    _, unchained = run(tlbstorm, ['-bios', 'none', '-d', 'exec,nochain', '-kernel', mmode])
    n_chained = chained.count('exec TB')
    n_unchained = unchained.count('exec TB')
    if not n_chained or n_unchained <= n_chained:
        problems.append('nochain: %d blocks logged, chained %d' % (n_unchained, n_chained))
    _, cpu = run(tlbstorm, ['-bios', 'none', '-d', 'cpu,exec,nochain', '-kernel', mmode])
    if cpu.count('CPU#0\n') != cpu.count('exec TB') or 'x10/a0' not in cpu:
        problems.append('-d cpu: %d dumps for %d blocks' % (cpu.count('CPU#0\n'),
                                                            cpu.count('exec TB')))
    if ' f0 ' in cpu:
        problems.append('-d cpu without fpu shows FP registers')

    _, reset = run(tlbstorm, ['-smp', '2', '-bios', 'none', '-d', 'cpu_reset,fpu',
                              '-kernel', mmode])
    for h in (0, 1):
        if 'CPU Reset (CPU %d)\nCPU#%d\n' % (h, h) not in reset:
            problems.append('-d cpu_reset: no reset dump of hart %d' % h)
    if ' fflags ' not in reset or ' f31 ' not in reset:
        problems.append('-d cpu_reset,fpu: no FP registers')

    _, page = run(tlbstorm, ['-d', 'page', '-kernel', smode])
    if not re.search(r'hart 0: tlb fill mmu_idx 1 vaddr 0x8020[0-9a-f]{4} -> paddr 0x8020[0-9a-f]{4}, '
                     r'\d+ KiB page, r.x', page):
        problems.append('-d page: no fill of the kernel image:\n' + page[:400])

    with tempfile.TemporaryDirectory() as d:
        pattern = os.path.join(d, 'hart%d.log')
        rc, _ = run(tlbstorm, ['-smp', '2', '-d', 'tid,int,cpu_reset', '-D', pattern,
                               '-kernel', smode])
        files = sorted(os.listdir(d))
        if rc != 0 or files != ['hart0.log', 'hart1.log', 'hartmain.log']:
            problems.append('-d tid: status %d, files %r' % (rc, files))
        else:
            for h in (0, 1):
                with open(os.path.join(d, 'hart%d.log' % h)) as f:
                    text = f.read()
                harts = set(re.findall(r'^hart (\d+):', text, re.M))
                if harts != {str(h)}:
                    problems.append('-d tid: hart%d.log has lines of harts %r' % (h, harts))
            with open(os.path.join(d, 'hartmain.log')) as f:
                if 'CPU Reset (CPU 1)' not in f.read():
                    problems.append('-d tid: resets are not in hartmain.log')

    return report(problems, 'log_items: nochain (%d vs %d blocks), cpu, fpu, cpu_reset, page, '
                            'tid' % (n_unchained, n_chained))


if __name__ == '__main__':
    sys.exit(main())
