#!/usr/bin/env python3
"""Host signals end a run cleanly.

1. SIGTERM to a running SMP guest: tlbstorm prints "terminating on signal 15" on stderr, exits
   with status 143 within seconds, and still writes its --stats JSON (the normal shutdown path
   ran: vCPUs joined, statistics written, block devices closed).
2. SIGINT with stdin on a pseudo-terminal (raw mode): status 130 and the terminal settings are
   back to what they were before tlbstorm started.
3. Two SIGINTs in a row: the second forces the exit; status 130 either way, and no hang."""
import json
import os
import pty
import signal
import subprocess
import sys
import tempfile
import termios
import time


def default_signals():
    """In the child: the dispositions an interactive user has. A suite started from nohup or
    as a script's background job inherits SIGHUP/SIGINT ignored, and tlbstorm rightly leaves
    ignored signals alone, so the signals sent here would do nothing."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def start(emu, guest, extra, **kw):
    cmd = [emu, '-M', 'virt', '-smp', '4', '-m', '256M', '-nographic', '-kernel', guest,
           '-append', 'secs=120'] + extra
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=default_signals, **kw)


def wait_started(p, timeout=20.0):
    """Wait for the guest's first line, so the signal lands while vCPUs run guest code."""
    deadline = time.monotonic() + timeout
    line = p.stdout.readline()
    while b'tlbtorture:' not in line and time.monotonic() < deadline and line:
        line = p.stdout.readline()
    time.sleep(0.5)


def finish(p, timeout=20.0):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return None, out, err
    return p.returncode, out, err


def main():
    emu, guest = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as d:
        stats = os.path.join(d, 'stats.json')
        p = start(emu, guest, ['--stats=' + stats], stdin=subprocess.DEVNULL)
        wait_started(p)
        p.send_signal(signal.SIGTERM)
        rc, out, err = finish(p)
        err = err.decode(errors='replace')
        if rc != 143:
            failures.append('SIGTERM: status %r, expected 143; stderr %r' % (rc, err))
        if 'terminating on signal 15 (SIGTERM)' not in err:
            failures.append('SIGTERM: no "terminating on signal 15" line; stderr %r' % err)
        try:
            with open(stats) as f:
                doc = json.load(f)
            if doc.get('vcpus') != 4:
                failures.append('SIGTERM: stats JSON has vcpus %r' % doc.get('vcpus'))
        except (OSError, ValueError) as e:
            failures.append('SIGTERM: no stats JSON after the signal (%s)' % e)

        master, slave = pty.openpty()
        before = termios.tcgetattr(slave)
        p = start(emu, guest, [], stdin=slave)
        wait_started(p)
        during = termios.tcgetattr(slave)
        if during[3] & termios.ICANON:
            failures.append('pty: terminal not in raw mode while running')
        p.send_signal(signal.SIGINT)
        rc, out, err = finish(p)
        after = termios.tcgetattr(slave)
        os.close(master)
        os.close(slave)
        if rc != 130:
            failures.append('SIGINT on a pty: status %r, expected 130; stderr %r' % (rc, err))
        if after != before:
            failures.append('SIGINT on a pty: terminal settings not restored')

        p = start(emu, guest, [], stdin=subprocess.DEVNULL)
        wait_started(p)
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGINT)
        rc, out, err = finish(p)
        if rc != 130:
            failures.append('two SIGINTs: status %r, expected 130; stderr %r' % (rc, err))
    for f in failures:
        print('FAIL', f)
    print('%d failures' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
