#!/usr/bin/env python3
"""Stopping every hart while they shoot down each other's TLBs: the monitor's `stop` and
`cont` (sync/vm_stop.c, the same parking the gdbstub uses), STOPS times in a row with short
pauses, while tlbtorture changes page tables and fences at -smp 6 on 2 host cores (more
vCPUs than cores, so some harts are descheduled, some sleep in WFI, some wait for remote
fences). Under the default mailbox shootdown and under --flush=qemu (exclusive sections and
queued work). Every stop must complete within a second (no deadlock with synced flushes or
exclusive work), every cont must let the guest go on (its flush count grows), and the guest
must still finish with no stale translation.

    stop_cont_stress.py TLBSTORM TLBTORTURE_ELF
"""
import os
import re
import subprocess
import sys
import tempfile
import time

from testlib import reap, remove_socket_dir, report

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from monitor_session import Monitor, flush_total  # noqa: E402

STOPS = 60


def one_mode(tlbstorm, elf, extra, problems):
    tmp = tempfile.mkdtemp(prefix='tlbstorm-stop-')
    path = os.path.join(tmp, 'mon.sock')
    emu = subprocess.Popen([tlbstorm, '-M', 'virt', '-smp', '6', '-nographic', '-monitor',
                            'unix:%s,server,nowait' % path, '-kernel', elf, '-append',
                            'secs=8 writers=2'] + extra,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    label = ' '.join(extra) or 'mailbox'
    slowest = 0.0
    try:
        mon = Monitor(path)
        time.sleep(0.3)
        last = flush_total(mon.cmd('info flush')) or 0
        for i in range(STOPS):
            t0 = time.time()
            answer = mon.cmd('stop')
            slowest = max(slowest, time.time() - t0)
            if answer.strip():
                problems.append('%s: stop %d: %s' % (label, i, answer.strip()))
                break
            mon.cmd('cont')
            time.sleep(0.02)
            if i % 20 == 19:
                time.sleep(0.2)
                now = flush_total(mon.cmd('info flush')) or 0
                if now <= last:
                    problems.append('%s: no flushes between stops %d and %d' % (label, i - 19, i))
                last = now
        out, _ = emu.communicate(timeout=120)
        out = out.decode(errors='replace')
        if emu.returncode != 0 or 'tlbtorture: PASS' not in out:
            problems.append('%s: guest did not pass (status %s): %s' % (label, emu.returncode,
                                                                      out[-400:]))
        if slowest > 1.0:
            problems.append('%s: a stop took %.2f s' % (label, slowest))
        m = re.search(r'violations=(\d+)', out)
        if not m or m.group(1) != '0':
            problems.append('%s: violations: %s' % (label, m.group(1) if m else '?'))
    except Exception as e:          # noqa: BLE001 - any failure is a test failure
        problems.append('%s: %s: %s' % (label, type(e).__name__, e))
    finally:
        reap(emu, problems)
        remove_socket_dir(tmp, path, problems)
    return slowest


def main():
    tlbstorm, elf = sys.argv[1], sys.argv[2]
    problems = []
    s1 = one_mode(tlbstorm, elf, [], problems)
    s2 = one_mode(tlbstorm, elf, ['--flush=qemu'], problems)
    return report(problems, 'stop_cont_stress: %d stops each under mailbox (slowest %.0f ms) '
                            'and --flush=qemu (slowest %.0f ms)' % (STOPS, s1 * 1e3, s2 * 1e3))


if __name__ == '__main__':
    sys.exit(main())
