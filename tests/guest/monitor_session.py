#!/usr/bin/env python3
"""The monitor over its Unix socket (-monitor unix:PATH,server,nowait) while tlbtorture runs at
-smp 4 on the built-in SBI:
  - `info mem` shows the guest's 1 GiB identity mapping of RAM (rwx, global) and `info tlb`
    shows TLB entries of it with the same size, rights and the current ASID;
  - `info flush` counts grow while the guest changes page tables, and stop growing after
    `stop` (every hart parked) until `cont`;
  - `x /4xw` reads the first instructions of _start through the hart's page tables, `xp`
    the same physical words; a bad command and a bad format get one error line;
  - `cpu 2` selects the hart `info registers` shows, `info mtree` lists the RAM,
    `system_reset` starts the guest over, and `quit` ends tlbstorm with status 0.

    monitor_session.py TLBSTORM TLBTORTURE_ELF
"""
import os
import re
import socket
import subprocess
import sys

from testlib import elf_words, reap, remove_socket_dir, report
import tempfile
import time

PROMPT = b'(qemu) '


class Monitor:
    def __init__(self, path):
        deadline = time.time() + 10
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.s.settimeout(20)
        self.read_prompt()

    def read_prompt(self):
        buf = b''
        while not buf.endswith(PROMPT):
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError('monitor closed; have %r' % buf[-300:])
            buf += chunk
        return buf[:-len(PROMPT)].decode(errors='replace')

    def cmd(self, line):
        self.s.sendall(line.encode() + b'\n')
        return self.read_prompt()


def flush_total(text):
    m = re.search(r'^\s+total\s+(\d+)\s+(\d+)', text, re.M)
    return int(m.group(1)) + int(m.group(2)) if m else None


def main():
    tlbstorm, elf = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix='tlbstorm-mon-')
    path = os.path.join(tmp, 'mon.sock')
    emu = subprocess.Popen([tlbstorm, '-M', 'virt', '-smp', '4', '-nographic', '-monitor',
                            'unix:%s,server,nowait' % path, '-kernel', elf,
                            '-append', 'secs=60'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    problems = []
    try:
        mon = Monitor(path)
        time.sleep(0.5)                       # the harts set up their page tables
        mem = mon.cmd('info mem')
        m = re.search(r'^satp [0-9a-f]+ \(Sv39, asid (\d+)\)', mem, re.M)
        asid = m.group(1) if m else None
        if not re.search(r'^0000000080000000-00000000c0000000 0000000080000000 +40000000 rwx-g',
                         mem, re.M):
            problems.append('info mem lacks the 1 GiB identity mapping of RAM:\n' + mem[:600])
        # The guest flushes its whole TLB now and then; a snapshot right after one is empty,
        # and the kernel's own pages are back within microseconds: look a few times.
        entry = re.compile(r'^  S\s+00000000802[0-9a-f]{5} -> 00000000802[0-9a-f]{5}\s+1G  rwx  '
                           r'asid %s\s+G' % asid, re.M)
        for _ in range(50):
            tlb = mon.cmd('info tlb 0')
            if entry.search(tlb):
                break
            time.sleep(0.02)
        if not re.search(r'^current address space, asid %s:' % asid, tlb, re.M):
            problems.append('info tlb: current ASID is not satp\'s %s' % asid)
        if not entry.search(tlb):
            problems.append('info tlb lacks a 1G rwx global entry of the kernel image:\n' +
                            tlb[:800])

        f1 = flush_total(mon.cmd('info flush'))
        time.sleep(0.5)
        f2 = flush_total(mon.cmd('info flush'))
        if f1 is None or f2 is None or f2 <= f1:
            problems.append('info flush did not grow while running: %s -> %s' % (f1, f2))
        mon.cmd('stop')
        s1 = flush_total(mon.cmd('info flush'))
        time.sleep(0.5)
        s2 = flush_total(mon.cmd('info flush'))
        if s1 != s2:
            problems.append('flush requests continued after stop: %s -> %s' % (s1, s2))
        cpus = mon.cmd('info cpus')
        if len(re.findall(r'CPU #\d: pc=0x[0-9a-f]+ priv=S', cpus)) != 4:
            problems.append('info cpus while stopped:\n' + cpus)
        mon.cmd('cont')
        time.sleep(0.5)
        c2 = flush_total(mon.cmd('info flush'))
        if c2 is None or c2 <= s2:
            problems.append('flush requests did not resume after cont: %s -> %s' % (s2, c2))

        first = '0000000080200000: 0x%08x 0x%08x' % tuple(elf_words(elf, 0x80200000, 2))
        x = mon.cmd('x /4xw 0x80200000')
        if first not in x:
            problems.append('x /4xw _start: %r' % x)
        xp = mon.cmd('xp/2xw 0x80200000')
        if first not in xp:
            problems.append('xp/2xw _start: %r' % xp)
        if 'unknown command' not in mon.cmd('bogus'):
            problems.append('no error for an unknown command')
        if 'usage: x' not in mon.cmd('x /9q 0x80200000'):
            problems.append('no error for a bad x format')
        if 'CPU#3' not in mon.cmd('info registers -a'):
            problems.append('info registers -a lacks hart 3')
        mon.cmd('cpu 2')
        if not mon.cmd('info registers').startswith('CPU#2\n'):
            problems.append('cpu 2 did not select hart 2 for info registers')
        if not re.search(r'^  0000000080000000-0000000087ffffff \(prio 0, ram\): ram$',
                         mon.cmd('info mtree'), re.M):
            problems.append('info mtree lacks the 128 MiB of RAM')
        mon.cmd('system_reset')
        time.sleep(2.0)                       # the guest starts over
        mon.s.sendall(b'quit\n')
        out, _ = emu.communicate(timeout=30)
        out = out.decode(errors='replace')
        if out.count('tlbtorture: 4 harts') != 2:
            problems.append('system_reset did not restart the guest: %d starts'
                            % out.count('tlbtorture: 4 harts'))
        if emu.returncode != 0:
            problems.append('quit: exit status %s' % emu.returncode)
    except Exception as e:          # noqa: BLE001 - any failure is a test failure
        problems.append('%s: %s' % (type(e).__name__, e))
    finally:
        reap(emu, problems)
        remove_socket_dir(tmp, path, problems)
    return report(problems, 'monitor_session: info mem/tlb/flush/cpus/registers, stop/cont, '
                            'x/xp, quit')


if __name__ == '__main__':
    sys.exit(main())
