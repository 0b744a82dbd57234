#!/usr/bin/env python3
"""Boot Linux on tlbstorm in each configuration of issue 6 once, headless, with a timeout,
and report pass/fail and wall time; optionally time repeated boots against QEMU.

Configurations: initramfs + tlbshoot at each -smp; the ext2 root on virtio-blk (-device and
if=virtio) with a file written by the guest and read back on the host (debugfs, e2fsck);
tlbsh driven through a pipe and through a pty (echo of typed input, line editing, type-ahead,
bytes received by the 8250 and its interrupt count) and a 14.5 KB paste; reboot (the machine restarts and Linux
boots again; with -no-reboot tlbstorm exits 0); -cpu rv64,sstc=off (SBI timer); -cpu
rv64,sv39|sv48|sv57=on (/proc/cpuinfo "mmu"). Each on the built-in SBI and on OpenSBI.

Many harts (--many-harts, not part of the default matrix): the kernel built with
EXTRA_CONFIG=bench/linux/many-harts.config (MANY_HARTS_IMAGE) boots to tlbsh at -smp 128 and
512 with -m 2G; the shell reports all CPUs online and powers off.

Usage: bench/linux/boot-matrix.py [--only REGEX] [--markdown] [--timeout S] [--many-harts]
       bench/linux/boot-matrix.py --repeat N [--smp 1,2,4] [--markdown]
Environment: IMAGE, INITRD, ROOTFS (default: the build-*.sh outputs in the cache),
TLBSTORM (default build/tlbstorm), LOGDIR (default a temporary directory, kept).
"""
import argparse
import os
import pty
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get('TLBSTORM_LINUX_CACHE', os.path.expanduser('~/.cache/tlbstorm-linux'))
IMAGE = os.environ.get('IMAGE', os.path.join(CACHE, 'build/arch/riscv/boot/Image'))
INITRD = os.environ.get('INITRD', os.path.join(CACHE, 'initramfs.cpio'))
ROOTFS = os.environ.get('ROOTFS', os.path.join(CACHE, 'root.img'))
MANY_HARTS_IMAGE = os.environ.get('MANY_HARTS_IMAGE', os.path.expanduser(
    '~/.cache/tlbstorm-linux-many-harts/build/arch/riscv/boot/Image'))
TLBSTORM = os.environ.get('TLBSTORM', os.path.join(ROOT, 'build/tlbstorm'))
FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
PROMPT = 'tlbsh# '


class Failed(Exception):
    pass


class Guest:
    """One emulator run: its console on a pipe or a pty, read by a thread into `text` (with
    carriage returns removed, so checks read as the guest meant them)."""

    def __init__(self, cmd, tty, log_path):
        self.log = open(log_path, 'wb')
        self.log.write(('$ ' + ' '.join(cmd) + '\n').encode())
        self.text = ''
        self.pos = 0                      # expect() searches from here
        self.cond = threading.Condition()
        self.eof = False
        self.sent = 0                     # bytes written to the guest's console
        self.start = time.monotonic()
        if tty:
            master, slave = pty.openpty()
            self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave,
                                         stderr=subprocess.STDOUT, close_fds=True)
            os.close(slave)
            self.rfd = self.wfd = master
        else:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            self.rfd = self.proc.stdout.fileno()
            self.wfd = self.proc.stdin.fileno()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.rfd, 65536)
            except OSError:               # EIO: the pty's other side closed
                data = b''
            if not data:
                break
            self.log.write(data)
            self.log.flush()
            with self.cond:
                self.text += data.decode(errors='replace').replace('\r', '')
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def expect(self, pattern, timeout, what=None):
        """Waits for `pattern` (a regex) after the last match; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise Failed('no %s after %.0f s' % (what or repr(pattern),
                                                          time.monotonic() - self.start))
                self.cond.wait(min(left, 0.5))

    def send(self, text, char_delay=0.0):
        data = text.encode()
        self.sent += len(data)
        if char_delay:
            for i in range(len(data)):
                os.write(self.wfd, data[i:i + 1])
                time.sleep(char_delay)
        else:
            os.write(self.wfd, data)

    def command(self, line, timeout, char_delay=0.0):
        """Types `line`, checks the tty echoed it exactly, returns its output up to the next
        prompt."""
        self.send(line + '\n', char_delay)
        echo = self.expect(re.escape(_echo_of(line)) + '\n', timeout, 'echo of %r' % line)
        out = self.expect(re.escape(PROMPT), timeout, 'prompt after %r' % line)
        return self.text[echo.end():out.start()]

    def wait(self, timeout):
        try:
            rc = self.proc.wait(timeout=max(timeout - (time.monotonic() - self.start), 1))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Failed('did not exit within %.0f s' % timeout)
        self.reader.join(5)
        return rc

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)
        if self.wfd != self.rfd and self.proc.stdin:
            self.proc.stdin.close()
        elif self.rfd == self.wfd:
            os.close(self.rfd)
        self.log.close()
        return time.monotonic() - self.start


def _echo_of(line):
    """What canonical mode echoes for `line` typed as is: DEL (VERASE) erases the previous
    character on screen with backspace, space, backspace."""
    out = []
    for c in line:
        if c == '\x7f':
            out.append('\b \b')
        else:
            out.append(c)
    return ''.join(out)


def uart_counts(g, timeout):
    """(ttyS0 interrupts, bytes the 8250 driver received, bytes typed so far) in one command:
    rx must grow by exactly what was typed, and the interrupt line must be in use."""
    out = g.command('cat /proc/interrupts /proc/tty/driver/serial', timeout)
    irqs = rx = None
    for row in out.splitlines():
        if row.rstrip().endswith('ttyS0'):
            irqs = sum(int(f) for f in row.split()[1:] if f.isdigit())
        m = re.match(r'0: uart:16550A .*irq:(\d+) .*rx:(\d+)', row)
        if m:
            if m.group(1) == '0':
                raise Failed('ttyS0 has no interrupt: the driver would poll')
            rx = int(m.group(2))
    if irqs is None or rx is None:
        raise Failed('no ttyS0 line in /proc/interrupts or /proc/tty/driver/serial')
    return irqs, rx, g.sent


# ---- scenarios: each takes (guest factory, context) and returns a note or raises Failed ----

def run_tlbshoot(start, ctx):
    g = start(['-initrd', INITRD, '-append', 'console=ttyS0 tlbshoot_iters=1'])
    rc = g.wait(ctx.timeout)
    m = re.search(r'Brought up \d+ nodes?, (\d+) CPUs?', g.text)
    cpus = int(m.group(1)) if m else 1
    if 'tlbshoot: PASS' not in g.text:
        raise Failed('no tlbshoot PASS (rc %d)' % rc)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    if cpus != ctx.smp:
        raise Failed('%d of %d CPUs came online' % (cpus, ctx.smp))
    init = re.search(r'\[ *([0-9.]+)\] Run /init', g.text)
    return 'init at %s s guest' % (init.group(1) if init else '?')


def shell_session(start, ctx, tty):
    g = start(['-initrd', INITRD, '-append', 'console=ttyS0 rdinit=/bin/tlbsh'], tty=tty)
    t = ctx.timeout
    g.expect('tlbsh: ready', t)
    g.expect(re.escape(PROMPT), t)
    irq0, rx0, sent0 = uart_counts(g, t)
    lines = 1
    if g.command('echo hello world', t) != 'hello world\n':
        raise Failed('echo output')
    if g.command('echo slow typing', t, char_delay=0.01) != 'slow typing\n':
        raise Failed('output of slowly typed line')
    if g.command('echo abX\x7fc', t) != 'abc\n':
        raise Failed('erase (DEL) not applied')
    long_word = ''.join(chr(ord('a') + i % 26) for i in range(300))
    if g.command('echo ' + long_word, t) != long_word + '\n':
        raise Failed('300-character line')
    lines += 4
    # Type-ahead: three lines in one write, arriving while the shell is still busy. Their
    # echo interleaves with the output (as on any terminal), so the commands write a file
    # and the check reads it back once all three prompts are out.
    g.send('echo one >> /ta\necho two >> /ta\necho three >> /ta\n')
    for n in range(3):
        g.expect(re.escape(PROMPT), t, 'prompt %d after type-ahead' % (n + 1))
    if g.command('cat /ta', t) != 'one\ntwo\nthree\n':
        raise Failed('type-ahead lines lost or reordered')
    lines += 4
    irq1, rx1, sent1 = uart_counts(g, t)
    lines += 1
    if rx1 - rx0 != sent1 - sent0:
        raise Failed('typed %d bytes, the 8250 received %d' % (sent1 - sent0, rx1 - rx0))
    if irq1 - irq0 < lines:
        raise Failed('ttyS0 interrupts %d -> %d for %d typed lines' % (irq0, irq1, lines))
    g.send('poweroff\n')
    rc = g.wait(t)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    return 'typed %d bytes = rx %d; ttyS0 irqs %d -> %d' % (sent1 - sent0, rx1 - rx0, irq0, irq1)


def run_shell_paste(start, ctx):
    """300 lines (14.5 KB) in one write, far beyond the 16-byte FIFO and the tty's 4 KB line
    buffer: the console must hold input back, not drop it, and the lines must arrive in order."""
    g = start(['-initrd', INITRD, '-append', 'console=ttyS0 rdinit=/bin/tlbsh'])
    t = ctx.timeout
    g.expect(re.escape(PROMPT), t)
    n = 300
    words = ['line%04d %s' % (i, 'x' * (i % 50 + 1)) for i in range(n)]
    pasted = ''.join('echo %s >> /paste\n' % w for w in words)
    t0 = time.monotonic()
    g.send(pasted)
    for i in range(n):
        g.expect(re.escape(PROMPT), t, 'prompt %d of %d after the paste' % (i + 1, n))
    secs = time.monotonic() - t0
    if g.command('cat /paste', t) != ''.join(w + '\n' for w in words):
        raise Failed('pasted lines lost, cut or reordered')
    g.send('poweroff\n')
    rc = g.wait(t)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    return '%d bytes pasted, all %d lines written in %.2f s' % (len(pasted), n, secs)


def run_shell_pipe(start, ctx):
    return shell_session(start, ctx, tty=False)


def run_shell_pty(start, ctx):
    return shell_session(start, ctx, tty=True)


def rootfs_args(ctx, how, img):
    if how == 'device':
        drive = ['-drive', 'file=%s,format=raw,if=none,id=hd0' % img,
                 '-device', 'virtio-blk-device,drive=hd0']
    else:
        drive = ['-drive', 'file=%s,format=raw,if=virtio' % img]
    return drive


def host_cat(img, path):
    p = subprocess.run(['debugfs', '-R', 'cat ' + path, img], capture_output=True, text=True)
    return p.stdout


def rootfs_session(start, ctx, how, reboot):
    img = os.path.join(ctx.logdir, '%s.img' % ctx.name)
    shutil.copyfile(ROOTFS, img)
    token = 'written-by-guest-%d' % os.getpid()
    g = start(rootfs_args(ctx, how, img) + ['-append', 'root=/dev/vda rw console=ttyS0'])
    t = ctx.timeout
    g.expect(r'Mounted root \(ext2 filesystem\)', t, 'ext2 root mounted')
    g.expect(re.escape(PROMPT), t)
    g.command('echo %s > /hello.txt' % token, t)
    if g.command('cat /hello.txt', t) != token + '\n':
        raise Failed('guest could not read back its file')
    note = ''
    if reboot:
        g.send('reboot\n')
        g.expect('reboot: Restarting system', t)
        g.expect('Linux version', t, 'second boot')
        g.expect(re.escape(PROMPT), t, 'shell after reboot')
        if g.command('cat /hello.txt', t) != token + '\n':
            raise Failed('file lost across the reboot')
        note = 'file kept across reboot; '
    g.send('poweroff\n')
    rc = g.wait(t)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    if host_cat(img, '/hello.txt') != token + '\n':
        raise Failed('debugfs does not see the guest\'s file')
    fsck = subprocess.run(['e2fsck', '-fn', img], capture_output=True, text=True)
    if fsck.returncode != 0:
        raise Failed('e2fsck -fn: status %d' % fsck.returncode)
    return note + 'host reads the file (debugfs), e2fsck clean'


def run_rootfs_device(start, ctx):
    return rootfs_session(start, ctx, 'device', reboot=False)


def run_rootfs_virtio(start, ctx):
    return rootfs_session(start, ctx, 'virtio', reboot=False)


def run_rootfs_reboot(start, ctx):
    return rootfs_session(start, ctx, 'device', reboot=True)


def run_rootfs_tlbshoot(start, ctx):
    img = os.path.join(ctx.logdir, '%s.img' % ctx.name)
    shutil.copyfile(ROOTFS, img)
    g = start(rootfs_args(ctx, 'virtio', img) +
              ['-append', 'root=/dev/vda ro console=ttyS0 init=/init tlbshoot_iters=1'])
    rc = g.wait(ctx.timeout)
    if 'tlbshoot: PASS' not in g.text or rc != 0:
        raise Failed('no tlbshoot PASS from the disk (rc %d)' % rc)
    return 'tlbshoot PASS from /dev/vda'


def run_reboot(start, ctx):
    g = start(['-initrd', INITRD, '-append', 'console=ttyS0 rdinit=/bin/tlbsh'])
    t = ctx.timeout
    g.expect(re.escape(PROMPT), t)
    g.send('reboot\n')
    g.expect('reboot: Restarting system', t)
    g.expect('Linux version', t, 'second boot')
    m = g.expect(r'Brought up \d+ nodes?, (\d+) CPUs?|tlbsh: ready', t)
    g.expect(re.escape(PROMPT), t, 'shell after reboot')
    g.send('poweroff\n')
    rc = g.wait(t)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    if m.group(1) and int(m.group(1)) != ctx.smp:
        raise Failed('%s of %d CPUs online after the reboot' % (m.group(1), ctx.smp))
    return 'booted twice' + (', %s CPUs after reboot' % m.group(1) if m.group(1) else '')


def run_no_reboot(start, ctx):
    g = start(['-no-reboot', '-initrd', INITRD, '-append', 'console=ttyS0 rdinit=/bin/tlbsh'])
    t = ctx.timeout
    g.expect(re.escape(PROMPT), t)
    g.send('reboot\n')
    rc = g.wait(t)
    if g.text.count('Linux version') != 1:
        raise Failed('booted again under -no-reboot')
    if rc != 0:
        raise Failed('exit status %d' % rc)
    return 'exit 0 at the reset'


def cpuinfo_session(start, ctx, cpu, check):
    g = start(['-cpu', cpu, '-initrd', INITRD, '-append', 'console=ttyS0 rdinit=/bin/tlbsh'])
    t = ctx.timeout
    g.expect(re.escape(PROMPT), t)
    info = g.command('cat /proc/cpuinfo', t)
    note = check(g, info)
    shoot = g.command('tlbshoot 1', 3 * t)
    if 'tlbshoot: PASS' not in shoot:
        raise Failed('tlbshoot from the shell did not pass')
    g.send('poweroff\n')
    rc = g.wait(t)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    return note + ', tlbshoot PASS'


def run_nosstc(start, ctx):
    def check(g, info):
        isa = re.findall(r'^isa\s*:\s*(\S+)', info, re.M)
        if not isa or any('sstc' in i for i in isa):
            raise Failed('isa %s' % isa)
        if 'available via sstc' in g.text:
            raise Failed('Linux uses Sstc')
        return 'isa %s, SBI timer' % isa[0]
    return cpuinfo_session(start, ctx, 'rv64,sstc=off', check)


def satp_runner(mode):
    def run(start, ctx):
        def check(g, info):
            mmu = re.findall(r'^mmu\s*:\s*(\S+)', info, re.M)
            if not mmu or any(m != mode for m in mmu):
                raise Failed('mmu %s' % mmu)
            return 'mmu %s' % mmu[0]
        return cpuinfo_session(start, ctx, 'rv64,%s=on' % mode, check)
    return run


def run_many_harts(start, ctx):
    """Boot to tlbsh on the NR_CPUS=512 kernel and see every hart online. The step timeout
    covers the whole boot: at -smp 512 on 2 host cores it takes minutes."""
    g = start(['-initrd', INITRD, '-append', 'console=ttyS0 rdinit=/bin/tlbsh'],
              kernel=MANY_HARTS_IMAGE, mem='2G')
    t = ctx.timeout
    g.expect('tlbsh: ready', t)
    g.expect(re.escape(PROMPT), t)
    m = re.search(r'Brought up \d+ nodes?, (\d+) CPUs?', g.text)
    if not m or int(m.group(1)) != ctx.smp:
        raise Failed('%s of %d CPUs brought up' % (m.group(1) if m else 'no count', ctx.smp))
    online = g.command('cat /sys/devices/system/cpu/online', t)
    if online.strip() != '0-%d' % (ctx.smp - 1):
        raise Failed('online CPUs %r' % online.strip())
    init = re.search(r'\[ *([0-9.]+)\] Run /bin/tlbsh', g.text)
    shell_at = time.monotonic() - g.start
    g.send('poweroff\n')
    rc = g.wait(t)
    if rc != 0:
        raise Failed('exit status %d' % rc)
    return 'online %s; tlbsh at %s s guest, %.0f s wall' % (
        online.strip(), init.group(1) if init else '?', shell_at)


# (name, runner, smp list)
SCENARIOS = [
    ('initramfs-tlbshoot', run_tlbshoot, [1, 2, 4, 8]),
    ('rootfs-virtio-blk-device', run_rootfs_device, [2]),
    ('rootfs-if=virtio', run_rootfs_virtio, [2]),
    ('rootfs-init=/init', run_rootfs_tlbshoot, [4]),
    ('rootfs-reboot', run_rootfs_reboot, [2]),
    ('shell-pipe', run_shell_pipe, [2]),
    ('shell-pty', run_shell_pty, [2]),
    ('shell-paste', run_shell_paste, [2]),
    ('reboot', run_reboot, [4]),
    ('no-reboot', run_no_reboot, [2]),
    ('sstc=off', run_nosstc, [2]),
    ('sv39', satp_runner('sv39'), [2]),
    ('sv48', satp_runner('sv48'), [2]),
    ('sv57', satp_runner('sv57'), [2]),
]
MANY_HARTS_SCENARIOS = [('many-harts', run_many_harts, [128, 512])]
FIRMWARE = [('built-in', []), ('opensbi', ['-bios', FW_JUMP])]


class Ctx:
    pass


def matrix(args):
    rows = []
    fails = 0
    for name, runner, smps in MANY_HARTS_SCENARIOS if args.many_harts else SCENARIOS:
        for fw, fw_args in FIRMWARE[:1] if args.many_harts else FIRMWARE:
            for smp in smps:
                label = '%s %s smp%d' % (name, fw, smp)
                if args.only and not re.search(args.only, label):
                    continue
                ctx = Ctx()
                ctx.smp, ctx.timeout, ctx.logdir = smp, args.timeout, args.logdir
                ctx.name = re.sub(r'[^A-Za-z0-9.-]+', '_', label)
                guests = []

                def start(extra, tty=False, kernel=IMAGE, mem='512M'):
                    cmd = [TLBSTORM] + fw_args + ['-M', 'virt', '-smp', str(smp), '-m', mem,
                                                  '-nographic', '-kernel', kernel] + extra
                    g = Guest(cmd, tty, os.path.join(args.logdir, ctx.name + '.log'))
                    guests.append(g)
                    return g
                try:
                    note, ok = runner(start, ctx), True
                except (Failed, OSError) as e:
                    note, ok = str(e), False
                wall = max([g.close() for g in guests] or [0])
                fails += not ok
                rows.append((name, fw, smp, 'pass' if ok else 'FAIL', wall, note))
                print_row(args, rows[-1])
    print('%d of %d passed; logs in %s' % (len(rows) - fails, len(rows), args.logdir),
          file=sys.stderr)
    return 1 if fails else 0


def print_row(args, r):
    if args.markdown:
        print('| %s | %s | %d | %s | %.2f | %s |' % r)
    else:
        print('%-26s %-9s %3d  %-4s %7.2f  %s' % r)
    sys.stdout.flush()


# ---- repeated boot times -------------------------------------------------------------------

def boot_once(cmd, log, smp):
    t0 = time.monotonic()
    with open(log, 'wb') as f:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                           timeout=300)
    wall = time.monotonic() - t0
    text = open(log, errors='replace').read()
    init = re.search(r'\[ *([0-9.]+)\] Run /init', text)
    online = re.search(r'tlbshoot: (\d+) cpus online', text)
    ok = (p.returncode == 0 and 'tlbshoot: PASS' in text and online is not None and
          int(online.group(1)) == smp)
    return ok, wall, float(init.group(1)) if init else None


def repeat(args):
    emus = [('tlbstorm', [TLBSTORM]), ('tlbstorm+opensbi', [TLBSTORM, '-bios', FW_JUMP]),
            ('qemu+opensbi', ['qemu-system-riscv64', '-bios', FW_JUMP])]
    if args.markdown:
        print('| emulator | smp | runs | wall s (mean ± sd) | init s guest (mean ± sd) | failed |')
        print('|---|---|---|---|---|---|')
    for smp in [int(s) for s in args.smp.split(',')]:
        for emu, base in emus:
            walls, inits, bad = [], [], 0
            for i in range(args.repeat):
                cmd = base + ['-M', 'virt', '-smp', str(smp), '-m', '512M', '-nographic',
                              '-kernel', IMAGE, '-initrd', INITRD,
                              '-append', 'console=ttyS0 tlbshoot_iters=1']
                log = os.path.join(args.logdir, 'repeat-%s-smp%d-%d.log' % (emu, smp, i))
                ok, wall, init = boot_once(cmd, log, smp)
                if not ok:                # kept out of the statistics, log named on stderr
                    bad += 1
                    print('boot-matrix: failed: %s' % log, file=sys.stderr)
                    continue
                walls.append(wall)
                if init is not None:
                    inits.append(init)

            def ms(v):
                if not v:
                    return '-'
                sd = statistics.stdev(v) if len(v) > 1 else 0.0
                return '%.2f ± %.2f' % (statistics.mean(v), sd)
            if args.markdown:
                print('| %s | %d | %d | %s | %s | %d |' % (emu, smp, len(walls), ms(walls),
                                                           ms(inits), bad))
            else:
                print('%-17s smp %d  runs %2d  wall %-14s init %-14s failed %d' %
                      (emu, smp, len(walls), ms(walls), ms(inits), bad))
            sys.stdout.flush()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', help='run the configurations whose "name firmware smpN" matches')
    ap.add_argument('--timeout', type=float, default=60.0, help='seconds per step (default 60)')
    ap.add_argument('--markdown', action='store_true')
    ap.add_argument('--repeat', type=int, default=0,
                    help='instead: time N boots (tlbshoot_iters=1) per emulator and -smp')
    ap.add_argument('--smp', default='1,2,4', help='with --repeat (default 1,2,4)')
    ap.add_argument('--logdir', default=os.environ.get('LOGDIR'))
    ap.add_argument('--many-harts', action='store_true',
                    help='instead: boot the NR_CPUS=512 kernel at -smp 128 and 512')
    args = ap.parse_args()
    need = (MANY_HARTS_IMAGE, INITRD, TLBSTORM) if args.many_harts else \
        (IMAGE, INITRD, TLBSTORM) + (() if args.repeat else (ROOTFS,))
    for f in need:
        if not os.path.exists(f):
            print('boot-matrix: missing %s (run build-kernel.sh, build-initramfs.sh, '
                  'build-rootfs.sh, scripts/build.sh)' % f, file=sys.stderr)
            return 1
    if not args.logdir:
        args.logdir = tempfile.mkdtemp(prefix='tlbstorm-matrix.')
    os.makedirs(args.logdir, exist_ok=True)
    if args.repeat:
        return repeat(args)
    if args.markdown:
        print('| configuration | firmware | smp | result | wall s | notes |')
        print('|---|---|---|---|---|---|')
    return matrix(args)


if __name__ == '__main__':
    sys.exit(main())
