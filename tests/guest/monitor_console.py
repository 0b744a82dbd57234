#!/usr/bin/env python3
"""The monitor on the serial console's terminal (-serial mon:stdio, the default): Ctrl-A c
switches a pseudo-terminal between tlbstorm's guest console and the monitor, as QEMU's
-nographic does. With tlbtorture running at -smp 2: Ctrl-A c prints the monitor banner and
prompt; `info cpus` (typed byte by byte, echoed, with a backspace fixed) lists both harts;
Ctrl-A c goes back to the guest; Ctrl-A x ends the run. A socket monitor runs commands at the
same time (the front ends share the selected hart, so commands are serialised). With
-serial stdio Ctrl-A c does nothing.

    monitor_console.py TLBSTORM TLBTORTURE_ELF
"""
import os
import pty
import select
import subprocess
import sys
import tempfile
import threading
import time

from testlib import remove_socket_dir, report

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from monitor_session import Monitor  # noqa: E402

CTRL_A = b'\x01'


class Pty:
    def __init__(self, cmd):
        self.master, slave = pty.openpty()
        self.p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                                  close_fds=True)
        os.close(slave)
        self.out = b''

    def read_until(self, want, timeout=20):
        deadline = time.time() + timeout
        while want not in self.out:
            left = deadline - time.time()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return want in self.out
            if not data:
                return want in self.out
            self.out += data
        return True

    def send(self, data):
        for b in data:
            os.write(self.master, bytes([b]))
            time.sleep(0.005)

    def finish(self):
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.read_until(b'\x00never', timeout=0.2)
        os.close(self.master)
        return self.p.returncode


def main():
    tlbstorm, elf = sys.argv[1], sys.argv[2]
    problems = []
    base = [tlbstorm, '-M', 'virt', '-smp', '2', '-nographic', '--no-progress', '-kernel', elf,
            '-append', 'secs=60']

    # A socket monitor too: a second front end selecting harts while the console's runs
    # commands (they share the selected hart; under TSan this would show a race).
    tmp = tempfile.mkdtemp(prefix='tlbstorm-monc-')
    sock = os.path.join(tmp, 'mon.sock')
    t = Pty(base + ['-monitor', 'unix:%s,server,nowait' % sock])
    if not t.read_until(b'tlbtorture: 2 harts'):
        problems.append('the guest did not start')
    stop = threading.Event()
    answers = []

    def socket_client():
        try:
            mon = Monitor(sock)
            while not stop.is_set():
                for c in ('cpu 1', 'info registers', 'cpu 0', 'info cpus'):
                    answers.append(mon.cmd(c))
            mon.s.close()
        except Exception as e:      # noqa: BLE001 - reported below
            answers.append('error: %s: %s' % (type(e).__name__, e))

    client = threading.Thread(target=socket_client)
    client.start()
    t.send(CTRL_A + b'c')
    if not t.read_until(b"monitor - type 'help' for more information\r\n(qemu) "):
        problems.append('no monitor banner and prompt after Ctrl-A c')
    t.send(b'info cpuz\x7fs\r')
    if not t.read_until(b'CPU #1: pc=0x'):
        problems.append('info cpus did not list hart 1')
    elif b'info cpuz\b \bs\r\n' not in t.out:
        problems.append('the typed line was not echoed with the backspace')
    for _ in range(5):
        t.send(b'cpu 1\rinfo registers\r')
        time.sleep(0.05)
    stop.set()
    client.join(timeout=30)
    if client.is_alive():
        problems.append('the socket monitor client hung')
    if not any(a.startswith('CPU#1') for a in answers):
        problems.append('the socket monitor did not answer alongside the console')
    problems += [a for a in answers if a.startswith('error: ')]

    mark = len(t.out)
    t.send(CTRL_A + b'c')
    time.sleep(0.3)
    t.send(CTRL_A + b'x')
    status = t.finish()
    remove_socket_dir(tmp, sock, problems)
    if b'terminated' not in t.out[mark:]:
        problems.append('Ctrl-A x after leaving the monitor did not end the run')
    if status != 0:
        problems.append('Ctrl-A x: status %s (QEMU exits 0)' % status)

    t = Pty([tlbstorm, '-serial', 'stdio'] + base[1:])
    t.read_until(b'tlbtorture: 2 harts')
    t.send(CTRL_A + b'c')
    seen = t.read_until(b'(qemu) ', timeout=1)
    t.send(CTRL_A + b'x')
    t.finish()
    if seen:
        problems.append('-serial stdio: Ctrl-A c opened the monitor')

    if problems:
        print(t.out[-1500:].decode(errors='replace'))
    return report(problems, 'monitor_console: Ctrl-A c to the monitor and back, info cpus, '
                            'Ctrl-A x')


if __name__ == '__main__':
    sys.exit(main())
