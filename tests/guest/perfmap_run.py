#!/usr/bin/env python3
"""-perfmap: /tmp/perf-PID.map names the compiled code by guest pc, in perf's map format.

Runs a bare-metal guest with -perfmap and checks the map of that process: every line is
"START SIZE guest-0xPC" in hex, the ranges of compiled code do not overlap, and the guest's
entry point (the ELF's e_entry, the first TB it runs) is there. With --jit=off there is no
compiled code: a warning, and no map file.

    perfmap_run.py TLBSTORM GUEST_ELF
"""
import os
import re
import struct
import subprocess
import sys

LINE = re.compile(r'^([0-9a-f]+) ([0-9a-f]+) guest-0x([0-9a-f]+)$')


def run(tlbstorm, elf, extra):
    """(pid, status, stderr) of one run with -perfmap."""
    p = subprocess.Popen([tlbstorm, '-M', 'virt', '-bios', 'none', '-nographic', '-perfmap'] +
                         extra + ['-kernel', elf], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = p.communicate(timeout=60)
    return p.pid, p.returncode, err.decode(errors='replace')


def main():
    tlbstorm, elf = sys.argv[1], sys.argv[2]
    with open(elf, 'rb') as f:
        entry = struct.unpack_from('<Q', f.read(64), 24)[0]
    problems = []

    pid, status, err = run(tlbstorm, elf, [])
    path = '/tmp/perf-%d.map' % pid
    try:
        if status != 0:
            problems.append('exit status %d: %s' % (status, err[-300:]))
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        problems.append('no map: %s' % e)
        lines = []
    finally:
        if os.path.exists(path):
            os.unlink(path)
    ranges, pcs = [], set()
    for ln in lines:
        m = LINE.match(ln)
        if not m:
            problems.append('malformed line %r' % ln)
            continue
        start, size, pc = (int(g, 16) for g in m.groups())
        if size == 0:
            problems.append('empty range %r' % ln)
        ranges.append((start, start + size))
        pcs.add(pc)
    ranges.sort()
    for (a0, a1), (b0, _) in zip(ranges, ranges[1:]):
        if b0 < a1:
            problems.append('overlapping code ranges at %#x' % b0)
    if lines and entry not in pcs:
        problems.append('no line for the entry pc %#x (have %d lines)' % (entry, len(lines)))

    pid, status, err = run(tlbstorm, elf, ['--jit=off'])
    path = '/tmp/perf-%d.map' % pid
    if os.path.exists(path):
        problems.append('--jit=off wrote %s' % path)
        os.unlink(path)
    if status != 0 or 'no JIT' not in err:
        problems.append('--jit=off: status %d, stderr %r' % (status, err[-300:]))

    for p in problems:
        print('FAIL:', p)
    if not problems:
        print('PASS perfmap: %d compiled TBs mapped' % len(lines))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
