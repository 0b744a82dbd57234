#!/usr/bin/env python3
"""gdb-multiarch against Linux 6.1 on tlbstorm, -smp 4: break on a kernel function by address
from System.map, continue, every hart stopped, the backtrace and the instructions at pc read
through the kernel's page tables, detach, and the guest finishes its stress-ng run.

Needs the stress-ng panel's kernel and initramfs (bench/stressng/build.sh, cached in
$TLBSTORM_STRESSNG_CACHE or ~/.cache/tlbstorm-stressng) and gdb-multiarch; exits 77 (skip)
without them: building Linux takes longer than the test suite may.

    gdb_linux.py TLBSTORM
"""
import os
import re
import shutil
import sys

from testlib import free_port, gdb_session, report

FUNCTION = 'sys_mprotect'


def main():
    tlbstorm = sys.argv[1]
    cache = os.environ.get('TLBSTORM_STRESSNG_CACHE',
                           os.path.expanduser('~/.cache/tlbstorm-stressng'))
    build = os.path.join(cache, 'linux', 'build')
    image = os.path.join(build, 'arch', 'riscv', 'boot', 'Image')
    vmlinux = os.path.join(build, 'vmlinux')
    sysmap = os.path.join(build, 'System.map')
    initrd = os.path.join(cache, 'initramfs.cpio')
    missing = [p for p in (image, vmlinux, sysmap, initrd) if not os.path.exists(p)]
    if missing or not shutil.which('gdb-multiarch'):
        print('SKIP: needs bench/stressng/build.sh output and gdb-multiarch (missing: %s)'
              % (', '.join(missing) or 'gdb-multiarch'))
        return 77
    addr = None
    with open(sysmap) as f:
        for line in f:
            a, _, name = line.split()
            if name == FUNCTION:
                addr = int(a, 16)
    if addr is None:
        print('FAIL: %s not in %s' % (FUNCTION, sysmap))
        return 1

    port = free_port()
    emu_cmd = [tlbstorm, '-M', 'virt', '-smp', '4', '-m', '1G', '-nographic', '-no-reboot',
               '-S', '-gdb', 'tcp::%d' % port, '-kernel', image, '-initrd', initrd, '-append',
               'console=ttyS0 panic=-1 stressng_time=2 stressng_panel=mprotect']
    text, out, status = gdb_session(emu_cmd, port, vmlinux, [
        'break *0x%x' % addr, 'continue', 'info threads', 'bt 2', 'x/1i $pc', 'delete',
        'detach'], timeout=120)
    problems = []
    if not re.search(r'hit Breakpoint 1, 0x%x in %s' % (addr, FUNCTION), text):
        problems.append('no stop at %s (0x%x)' % (FUNCTION, addr))
    threads = re.findall(r'^[* ] (\d)\s+Thread \d "hart (\d)" 0x[0-9a-f]+ in (\w+)', text, re.M)
    if len(threads) != 4:
        problems.append('info threads: %r' % threads)
    if not re.search(r'=> 0x%x <%s>:' % (addr, FUNCTION), text):
        problems.append('the instruction at pc was not read through the kernel page tables')
    if not re.search(r'STRESSNG mprotect \d+ ', out) or status != 0:
        problems.append('after detach the kernel did not finish its run (status %s)'
                        % status)
    if problems:
        print(text[-3000:])
        print(out[-1000:])
    return report(problems, 'gdb_linux: break at %s by address, 4 harts stopped, detach'
                  % FUNCTION)


if __name__ == '__main__':
    sys.exit(main())
