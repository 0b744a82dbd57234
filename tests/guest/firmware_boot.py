#!/usr/bin/env python3
"""Boot Debian's U-Boot (S-mode) on the emulator, on OpenSBI (--firmware jump|dynamic) or
directly on the built-in SBI (--firmware builtin: no -bios), and drive U-Boot's prompt through
the console's stdin: OpenSBI must report the hart count (the built-in SBI must answer U-Boot's
`sbi` command with SBI 2.0 and its extensions), U-Boot must answer `version` and `dm tree`,
and `poweroff` must end the emulator with status 0. Waits for each prompt before typing, as a
person would, so no input is sent before the guest reads the UART."""
import argparse
import os
import queue
import subprocess
import sys
import threading
import time

OPENSBI = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_%s.bin'
UBOOT = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--emulator', required=True)
    ap.add_argument('--firmware', choices=['jump', 'dynamic', 'builtin'], default='jump')
    ap.add_argument('--smp', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=60.0)
    args = ap.parse_args()
    builtin = args.firmware == 'builtin'
    bios = [] if builtin else ['-bios', OPENSBI % args.firmware]
    for f in bios[1:] + [UBOOT]:
        if not os.path.exists(f):
            print('missing %s (install opensbi and u-boot-qemu)' % f)
            return 1

    cmd = [args.emulator, '-M', 'virt', '-smp', str(args.smp), '-m', '256M', '-nographic'] + \
        bios + ['-kernel', UBOOT]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    chunks = queue.Queue()

    def reader():
        while True:
            b = p.stdout.read1(4096)
            if not b:
                chunks.put(None)
                return
            chunks.put(b)

    threading.Thread(target=reader, daemon=True).start()
    out = bytearray()
    deadline = time.monotonic() + args.timeout

    def wait_for(text, start):
        while text.encode() not in out[start:]:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError('waiting for %r' % text)
            try:
                b = chunks.get(timeout=left)
            except queue.Empty:
                continue
            if b is None:
                raise EOFError('emulator exited while waiting for %r' % text)
            out.extend(b)
        return out.index(text.encode(), start) + len(text)

    def send(line):
        p.stdin.write(line.encode() + b'\n')
        p.stdin.flush()

    failures = []
    try:
        pos = 0
        if not builtin:
            pos = wait_for('Platform HART Count       : %d' % args.smp, pos)
        pos = wait_for('Hit any key to stop autoboot', pos)
        send('')
        pos = wait_for('=> ', pos)
        send('version')
        pos = wait_for('U-Boot 20', pos)
        pos = wait_for('=> ', pos)
        send('dm tree')
        pos = wait_for('serial@10000000', pos)
        pos = wait_for('cpu@%d' % (args.smp - 1), pos)
        pos = wait_for('=> ', pos)
        if builtin:
            # U-Boot's view of the firmware: spec version and the extensions it probes.
            send('sbi')
            pos = wait_for('SBI 2.0', pos)
            pos = wait_for('Hart State Management Extension', pos)
            pos = wait_for('System Reset Extension', pos)
            pos = wait_for('=> ', pos)
        send('poweroff')
        rc = p.wait(timeout=max(1.0, deadline - time.monotonic()))
        if rc != 0:
            failures.append('exit status %d after poweroff, expected 0' % rc)
    except (TimeoutError, EOFError, subprocess.TimeoutExpired) as e:
        failures.append(str(e))
        p.kill()
        p.wait()
    time.sleep(0.1)
    while not chunks.empty():
        b = chunks.get()
        if b:
            out.extend(b)
    sys.stdout.write(out.decode(errors='replace'))
    for f in failures:
        print('\nFAIL: %s' % f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
