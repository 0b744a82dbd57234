#!/usr/bin/env python3
"""Hostile host conditions a user's script can create: files that are not files, closed
descriptors, full and closed pipes, long paths. Each check pins one behaviour of
docs/cli.md ("Files", "Signals and pipes"):

 1. a FIFO named as -kernel, -initrd, -dtb or -drive (read-only or not) is refused at once
    with one line and status 1 (it used to block in open() forever);
 2. dumpdtb= and --stats= write device nodes and symlink targets in place: the node stays a
    device, the symlink stays a symlink and its target gets the bytes; a regular target is
    replaced whole and keeps its mode; /dev/full reports ENOSPC; an unwritable --stats path
    fails before the guest runs;
 3. with descriptor 0, 1 or 2 closed at start, a disk image opened by the run keeps its bytes
    and a -D log file gets no console text;
 4. SIGTERM ends a run whose stdout pipe is full within 5 s, status 143;
 5. a closed stdout pipe ends the run with status 141, a message, the --stats JSON and a
    --trace-flush file that ends on a whole line;
 6. an error message quoting a 4 KiB path keeps the path and the reason;
 and --trace-flush onto a full device names the errno.
Device nodes are made in the temporary directory where the user may (root): a regression must
not be able to replace the system's /dev/null."""
import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time


def default_signals():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)


class Checks:
    def __init__(self, emu, bare, torture, tmp):
        self.emu, self.bare, self.torture, self.tmp = emu, bare, torture, tmp
        self.passed, self.failed = 0, []

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
        else:
            if len(detail) > 400:
                detail = detail[:200] + ' ... ' + detail[-200:]
            self.failed.append('%s: %s' % (name, detail))

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run(self, args, timeout=20, **kw):
        """The finished run; a run still going after timeout is killed and reported with
        status -1000, so that the checks fail instead of the script."""
        kw.setdefault('stdin', subprocess.DEVNULL)
        if 'stdout' not in kw and 'stderr' not in kw:
            kw['capture_output'] = True
        kw.setdefault('preexec_fn', default_signals)
        try:
            return subprocess.run([self.emu] + args, timeout=timeout, **kw)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(args, -1000, b'', b'(timed out)')

    def expect_error(self, name, args, want, timeout=10):
        try:
            p = self.run(args, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.check(name, False, 'no exit within %d s (blocked?)' % timeout)
            return None
        err = p.stderr.decode(errors='replace')
        self.check(name, p.returncode == 1 and len(err.splitlines()) == 1 and want in err,
                   'status %d, stderr %r, wanted one line with %r' % (p.returncode, err, want))
        return err


def fifo_inputs(c):
    fifo = c.path('image.fifo')
    os.mkfifo(fifo)
    base = ['-bios', 'none', '-nographic']
    cases = [
        ('fifo -kernel', ['-kernel', fifo], 'not a regular file'),
        ('fifo -initrd', ['-kernel', c.bare, '-initrd', fifo], 'not a regular file'),
        ('fifo -dtb', ['-kernel', c.bare, '-dtb', fifo], 'not a regular file'),
        ('fifo -drive readonly', ['-kernel', c.bare, '-drive',
                                  'file=%s,format=raw,readonly=on' % fifo],
         'not a regular file or block device'),
        ('fifo -drive', ['-kernel', c.bare, '-drive', 'file=%s,format=raw' % fifo],
         'not a regular file or block device'),
    ]
    for name, args, want in cases:
        c.expect_error(name, base + args, want)


def device_node(c, name, minor):
    """A character device of the memory driver (1:3 null, 1:7 full) made in the temporary
    directory, so that a regression which replaces a device node with a file (as dumpdtb=
    once did, as root) damages only the test's own copy. Without the right to mknod, the
    system's node: then this user cannot replace /dev entries either."""
    path = c.path(name)
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        with open(path, 'wb'):
            pass              # a nodev mount refuses the open
        return path
    except OSError:
        if os.path.exists(path):
            os.unlink(path)
        return {3: '/dev/null', 7: '/dev/full'}[minor]


def outputs_in_place(c):
    base = ['-bios', 'none', '-nographic', '-kernel', c.bare]
    null, full = device_node(c, 'null', 3), device_node(c, 'full', 7)
    # A character device: written in place, still a device afterwards.
    p = c.run(['-M', 'virt,dumpdtb=' + null] + base)
    st = os.stat(null)
    c.check('dumpdtb onto a null device', p.returncode == 0 and stat.S_ISCHR(st.st_mode),
            'status %d, mode %o' % (p.returncode, st.st_mode))
    p = c.run(['-M', 'virt,dumpdtb=' + full] + base)
    err = p.stderr.decode(errors='replace')
    st = os.stat(full)
    c.check('dumpdtb onto a full device', p.returncode == 1 and 'No space left' in err and
            stat.S_ISCHR(st.st_mode), 'status %d, stderr %r, mode %o' %
            (p.returncode, err, st.st_mode))
    p = c.run(['--stats=' + full] + base)
    err = p.stderr.decode(errors='replace')
    c.check('--stats onto a full device', p.returncode == 1 and 'No space left' in err and
            stat.S_ISCHR(os.stat(full).st_mode), 'status %d, stderr %r' %
            (p.returncode, err))
    # A symlink to the process's stdout (as /dev/stdout), a pipe: the DTB arrives on it.
    out_link = c.path('stdout-link')
    os.symlink('/proc/self/fd/1', out_link)
    p = c.run(['-M', 'virt,dumpdtb=' + out_link] + base)
    c.check('dumpdtb onto a stdout symlink (a pipe)', p.returncode == 0 and
            p.stdout[:4] == b'\xd0\x0d\xfe\xed' and os.path.islink(out_link),
            'status %d, %d bytes, stderr %r' % (p.returncode, len(p.stdout), p.stderr))
    # A symlink to a regular file: the link stays, the target is rewritten and cut.
    target = c.path('target.dtb')
    with open(target, 'wb') as f:
        f.write(b'x' * 100000)
    link = c.path('link.dtb')
    os.symlink(target, link)
    p = c.run(['-M', 'virt,dumpdtb=' + link] + base)
    with open(target, 'rb') as f:
        data = f.read()
    c.check('dumpdtb onto a symlink', p.returncode == 0 and os.path.islink(link) and
            data[:4] == b'\xd0\x0d\xfe\xed' and
            len(data) == int.from_bytes(data[4:8], 'big'),
            'status %d, link kept %s, %d bytes' % (p.returncode, os.path.islink(link),
                                                  len(data)))
    slink = c.path('stats-link.json')
    starget = c.path('stats-target.json')
    os.symlink(starget, slink)     # dangling: the target is created through it
    p = c.run(['--stats=' + slink] + base)
    ok = p.returncode == 0 and os.path.islink(slink)
    try:
        with open(starget) as f:
            ok = ok and json.load(f).get('vcpus') == 1
    except (OSError, ValueError):
        ok = False
    c.check('--stats onto a dangling symlink', ok, 'status %d, stderr %r' %
            (p.returncode, p.stderr))
    # A regular file is replaced whole and keeps its mode.
    reg = c.path('mode.json')
    with open(reg, 'w') as f:
        f.write('old')
    os.chmod(reg, 0o640)
    p = c.run(['--stats=' + reg] + base)
    with open(reg) as f:
        text = f.read()
    c.check('--stats onto a regular file', p.returncode == 0 and text.startswith('{') and
            stat.S_IMODE(os.stat(reg).st_mode) == 0o640,
            'status %d, mode %o' % (p.returncode, stat.S_IMODE(os.stat(reg).st_mode)))
    leftovers = [n for n in os.listdir(c.tmp) if '.tmp.' in n]
    c.check('no temporary files left', not leftovers, repr(leftovers))
    # Checked before the guest runs: no guest output, quick.
    t = time.monotonic()
    p = c.run(['-smp', '2', '-nographic', '-kernel', c.torture, '-append', 'secs=20',
               '--stats=' + c.path('nodir/x.json')], timeout=20)
    err = p.stderr.decode(errors='replace')
    c.check('unwritable --stats fails at start-up', p.returncode == 1 and not p.stdout and
            'nodir/x.json: No such file or directory' in err and time.monotonic() - t < 5,
            'status %d, stdout %r, stderr %r' % (p.returncode, p.stdout[:80], err))
    c.expect_error('--trace-flush onto a full device names the errno',
                   ['--trace-flush=' + full, '-smp', '2', '-nographic', '-kernel',
                    c.torture, '-append', 'secs=1'], 'No space left on device', timeout=30)


def closed_descriptors(c):
    disk = c.path('disk.img')
    with open(disk, 'wb') as f:
        f.write(bytes(range(256)) * 256)
    with open(disk, 'rb') as f:
        before = f.read()
    drive = ['-drive', 'file=%s,format=raw' % disk]
    guest = ['-smp', '2', '-nographic', '-kernel', c.torture, '-append', 'secs=1']
    for fds in ((1,), (2,), (0, 1, 2)):
        def close_fds(fds=fds):
            default_signals()
            for fd in fds:
                os.close(fd)
        p = c.run(guest + drive, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                  preexec_fn=close_fds, timeout=60)
        with open(disk, 'rb') as f:
            after = f.read()
        c.check('fds %s closed: disk image unchanged' % (fds,),
                p.returncode == 0 and after == before,
                'status %d, image %s' % (p.returncode, 'same' if after == before else
                                         'CHANGED'))
    # SIGTERM with stderr closed: the "terminating" line must not land in the image.
    def no_stderr():
        default_signals()
        os.close(2)
    p = subprocess.Popen([c.emu] + ['-smp', '2', '-nographic', '-kernel', c.torture,
                                    '-append', 'secs=60'] + drive,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         preexec_fn=no_stderr)
    # The guest's first line means the emulator runs (its handlers are installed): a fixed
    # delay was not always enough under ASan on a loaded host (SIGTERM's default action).
    p.stdout.readline()
    p.send_signal(signal.SIGTERM)
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    with open(disk, 'rb') as f:
        after = f.read()
    c.check('stderr closed, SIGTERM: disk image unchanged',
            p.returncode == 143 and after == before, 'status %d' % p.returncode)
    log = c.path('run.log')
    p = c.run(guest + ['-D', log], stderr=subprocess.DEVNULL,
              preexec_fn=lambda: (default_signals(), os.close(1)), timeout=60)
    with open(log, 'rb') as f:
        text = f.read()
    c.check('stdout closed: -D log gets no console text',
            p.returncode == 0 and b'tlbtorture' not in text,
            'status %d, log %r' % (p.returncode, text[:200]))


def full_pipe_sigterm(c):
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)
    try:
        while True:
            os.write(w, b'x' * 4096)
    except BlockingIOError:
        pass
    fcntl.fcntl(w, fcntl.F_SETFL, 0)
    p = subprocess.Popen([c.emu, '-smp', '2', '-nographic', '-kernel', c.torture,
                          '-append', 'secs=60'], stdin=subprocess.DEVNULL, stdout=w,
                         stderr=subprocess.PIPE, preexec_fn=default_signals)
    os.close(w)
    time.sleep(1.5)      # the guest's first line is now blocked on the full pipe
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=5)
        elapsed = time.monotonic() - t
        c.check('SIGTERM with a full stdout pipe', p.returncode == 143,
                'status %d in %.1f s, stderr %r' % (p.returncode, elapsed, err))
    except subprocess.TimeoutExpired:
        c.check('SIGTERM with a full stdout pipe', False, 'still running 5 s after SIGTERM')
        p.kill()
        p.communicate()
    os.close(r)


def closed_pipe(c):
    stats, trace = c.path('pipe-stats.json'), c.path('pipe.trace')
    p = subprocess.Popen([c.emu, '-smp', '2', '-nographic', '-kernel', c.torture,
                          '-append', 'secs=2', '--stats=' + stats, '--trace-flush=' + trace],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=default_signals)
    p.stdout.read(20)    # as `| head -c 20`
    p.stdout.close()
    try:
        err = p.stderr.read()
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        c.check('closed stdout pipe', False, 'no exit')
        return
    err = err.decode(errors='replace')
    c.check('closed stdout pipe: status 141 and a message', p.returncode == 141 and
            'console output closed' in err, 'status %d, stderr %r' % (p.returncode, err))
    try:
        with open(stats) as f:
            c.check('closed stdout pipe: stats JSON written', json.load(f)['vcpus'] == 2)
    except (OSError, ValueError, KeyError) as e:
        c.check('closed stdout pipe: stats JSON written', False, str(e))
    try:
        with open(trace, 'rb') as f:
            data = f.read()
        c.check('closed stdout pipe: trace ends on a whole line',
                data.startswith(b'# tlbstorm flush trace') and data.endswith(b'\n'),
                '%d bytes, ends %r' % (len(data), data[-40:]))
    except OSError as e:
        c.check('closed stdout pipe: trace written', False, str(e))


def long_path(c):
    d = c.tmp
    while len(d) < 3900:
        d = os.path.join(d, 'd' * 200)
        os.mkdir(d)
    missing = os.path.join(d, 'missing.elf')
    err = c.expect_error('4 KiB path to a missing -kernel', ['-bios', 'none', '-kernel',
                                                             missing],
                         missing + ': No such file or directory')
    if err is not None:
        c.check('4 KiB path message is one whole line', err.endswith('\n') and
                len(err) > len(missing), '%d bytes' % len(err))


def main():
    emu, bare, torture = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        c = Checks(emu, bare, torture, tmp)
        for group in (fifo_inputs, outputs_in_place, closed_descriptors, full_pipe_sigterm,
                      closed_pipe, long_path):
            group(c)
    for f in c.failed:
        print('FAIL', f)
    print('%d passed, %d failed' % (c.passed, len(c.failed)))
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main())
