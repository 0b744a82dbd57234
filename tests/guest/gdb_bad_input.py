#!/usr/bin/env python3
"""The gdbstub against bad input, over a raw socket (no gdb needed), -smp 2, -S.

Each case must get the protocol's answer, never a crash or a hung guest:
  - a bad checksum gets '-' (and the next good packet is served);
  - a packet longer than PacketSize gets '-';
  - malformed arguments ('m' without a length, 'P' with bad hex, 'Z0' with junk) get E01;
  - a read of an address nothing backs gets E14;
  - a second client is accepted and closed at once while the first goes on;
  - a client that disappears in the middle of a packet leaves the stub serving the next one
    (and the guest, resumed by the disconnect, runs on);
  - 'k' ends tlbstorm with status 0;
  - -gdb unix:PATH serves the same protocol on a Unix socket, removed at exit.

    gdb_bad_input.py TLBSTORM GUEST_ELF
"""
import os
import socket
import subprocess
import sys
import tempfile

from testlib import free_port, reap, remove_socket_dir, report
import time


def frame(body):
    return b'$' + body + b'#' + b'%02x' % (sum(body) & 0xff)


class Client:
    def __init__(self, port):
        """port: a TCP port on 127.0.0.1, or the path of a Unix socket."""
        deadline = time.time() + 10
        while True:
            try:
                if isinstance(port, str):
                    self.s = socket.socket(socket.AF_UNIX)
                    self.s.settimeout(10)
                    self.s.connect(port)
                else:
                    self.s = socket.create_connection(('127.0.0.1', port), timeout=10)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b''

    def send(self, raw):
        self.s.sendall(raw)

    def read_until(self, pred):
        deadline = time.time() + 10
        while not pred(self.buf):
            if time.time() > deadline:
                raise TimeoutError('no answer; have %r' % self.buf[-200:])
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError('connection closed; have %r' % self.buf[-200:])
            self.buf += chunk

    def ack(self):
        """The next ack byte ('+' or '-')."""
        self.read_until(lambda b: len(b) >= 1)
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def packet(self):
        """The body of the next reply packet (acking it)."""
        self.read_until(lambda b: b'$' in b and b'#' in b[b.index(b'$'):] and
                        len(b) >= b.index(b'#', b.index(b'$')) + 3)
        start = self.buf.index(b'$')
        end = self.buf.index(b'#', start)
        body, self.buf = self.buf[start + 1:end], self.buf[end + 3:]
        self.send(b'+')
        return body

    def request(self, body):
        self.send(frame(body))
        a = self.ack()
        if a != b'+':
            raise AssertionError('%r: ack %r' % (body, a))
        return self.packet()

    def close(self):
        self.s.close()


def main():
    tlbstorm, elf = sys.argv[1], sys.argv[2]
    port = free_port()
    emu = subprocess.Popen([tlbstorm, '-M', 'virt', '-smp', '2', '-nographic', '-S',
                            '-gdb', 'tcp::%d' % port, '-kernel', elf],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    problems = []

    def check(what, got, want):
        if got != want:
            problems.append('%s: got %r, want %r' % (what, got, want))

    try:
        c = Client(port)
        check('stop reason', c.request(b'?')[:3], b'T05')
        c.send(b'$?#00')
        check('bad checksum', c.ack(), b'-')
        check('after a bad checksum', c.request(b'qC'), b'QC1')
        c.send(b'$' + b'm' * 20000 + b'#00')
        check('oversized packet', c.ack(), b'-')
        check('m without a length', c.request(b'm80000000'), b'E01')
        check('P with bad hex', c.request(b'P1=zz'), b'E01')
        check('Z0 with junk', c.request(b'Z0,zz,4'), b'E01')
        check('unbacked address', c.request(b'm0,4'), b'E14')
        check('register read', len(c.request(b'g')), 33 * 16)

        second = Client(port)
        try:
            second.s.settimeout(5)
            data = second.s.recv(100)
            check('second client', data, b'')
        except OSError as e:
            problems.append('second client not closed: %s' % e)
        second.close()
        check('first client after the second', c.request(b'qC'), b'QC1')

        c.send(b'$m8000')           # half a packet, then gone
        c.close()
        time.sleep(0.3)
        c = Client(port)
        check('new client after a vanished one', c.request(b'?')[:3], b'T05')
        c.send(frame(b'k'))
        c.read_until(lambda b: len(b) >= 1)
        c.close()
        out, _ = emu.communicate(timeout=30)
        check('exit status after k', emu.returncode, 0)
    except Exception as e:          # noqa: BLE001 - any failure is a test failure
        problems.append('%s: %s' % (type(e).__name__, e))
    finally:
        reap(emu, problems)

    # -gdb unix:PATH: the same protocol on a Unix socket, removed at exit.
    tmp = tempfile.mkdtemp(prefix='tlbstorm-gdb-')
    path = os.path.join(tmp, 'gdb.sock')
    emu = subprocess.Popen([tlbstorm, '-M', 'virt', '-smp', '2', '-nographic', '-S',
                            '-gdb', 'unix:' + path, '-kernel', elf],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    try:
        c = Client(path)
        check('unix socket: stop reason', c.request(b'?')[:3], b'T05')
        check('unix socket: threads', c.request(b'qfThreadInfo'), b'm1,2')
        c.send(frame(b'k'))
        c.read_until(lambda b: len(b) >= 1)
        c.close()
        emu.communicate(timeout=30)
        check('unix socket: exit status after k', emu.returncode, 0)
    except Exception as e:          # noqa: BLE001 - any failure is a test failure
        problems.append('unix socket: %s: %s' % (type(e).__name__, e))
    finally:
        reap(emu, problems)
        remove_socket_dir(tmp, path, problems)
    return report(problems, 'gdb_bad_input: checksum, oversize, malformed, unbacked, second '
                            'client, vanished client, kill, unix socket')


if __name__ == '__main__':
    sys.exit(main())
