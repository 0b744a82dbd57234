#!/usr/bin/env python3
"""The progress line on stderr (hw/progress.c, docs/cli.md "--no-progress").

Runs the progress_spin guest (busy for 3.5 s of wall-clock time) four ways, at the same time:

  1. stdout and stderr on one pseudo-terminal, with --stats: the line appears after the
     guest's first (complete) line, shows elapsed seconds, instructions, MIPS and flushes/s,
     is erased ("\\r\\033[K") before the guest prints again, and is gone before the statistics
     summary; with the progress drawings removed, the terminal saw exactly the guest's output;
  2. the partial_line variant, whose first line has no newline: no line is ever drawn;
  3. --no-progress on a terminal: no line;
  4. stdout and stderr are pipes: nothing on stderr, no escape sequence anywhere.

    progress_line.py TLBSTORM PROGRESS_SPIN_ELF PROGRESS_SPIN_PARTIAL_ELF
"""
import concurrent.futures
import os
import pty
import re
import select
import subprocess
import sys

ERASE = b'\r\x1b[K'
DRAW = re.compile(rb'\r\x1b\[Ktlbstorm: (\d+\.\d) s, ([\d,]+) insns, (\d+\.\d) MIPS, '
                  rb'([\d,]+) flushes/s')
GUEST_OUT = b'progress_spin: start\r\nprogress_spin: done\r\nPASS progress_spin\r\n'
PARTIAL_OUT = b'progress_spin: start (no newline) ... done\r\nPASS progress_spin\r\n'


def run_pty(cmd, timeout=60):
    """Run cmd with stdout and stderr on one new pseudo-terminal; (status, bytes seen)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         close_fds=True)
    os.close(slave)
    out = b''
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            p.kill()
            break
        try:
            data = os.read(master, 4096)
        except OSError:        # EIO: every writer has closed the terminal
            break
        if not data:
            break
        out += data
    os.close(master)
    return p.wait(), out


def run_pipes(cmd, timeout=60):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check_terminal_with_line(emu, elf):
    problems = []
    status, out = run_pty([emu, '-M', 'virt', '-bios', 'none', '--stats', '-kernel', elf])
    if status != 0:
        return ['terminal: status %d, output %r' % (status, out[-300:])]
    draws = list(DRAW.finditer(out))
    if not draws:
        return ['terminal: no progress line in %r' % out]
    first, last = draws[0], draws[-1]
    if not out[:first.start()].endswith(b'progress_spin: start\r\n'):
        problems.append('terminal: first line drawn before the guest line ended: %r'
                        % out[:first.end()])
    if float(first.group(1)) < 1.9:
        problems.append('terminal: line drawn after %s s (expected >= 2 s)' % first.group(1))
    if not out[last.end():].startswith(ERASE + b'progress_spin: done'):
        problems.append('terminal: line not erased before guest output: %r'
                        % out[last.start():last.end() + 40])
    insns = [int(d.group(2).replace(b',', b'')) for d in draws]
    if insns != sorted(insns) or insns[-1] == 0:
        problems.append('terminal: instruction counts %r' % insns)
    if not any(float(d.group(3)) > 0 for d in draws):
        problems.append('terminal: MIPS never above 0')
    stats = out.find(b'tlbstorm flush statistics')
    if stats < 0 or stats < last.end():
        problems.append('terminal: no statistics after the line')
    elif b'\x1b' in out[stats:]:
        problems.append('terminal: escape sequence after the run: %r' % out[stats:])
    # Remove every drawing and erase: what is left is what the guest printed, unchanged.
    guest = DRAW.sub(b'', out[:stats]).replace(ERASE, b'')
    if guest != GUEST_OUT:
        problems.append('terminal: guest output changed: %r' % guest)
    return problems


def check_partial_line(emu, elf):
    status, out = run_pty([emu, '-M', 'virt', '-bios', 'none', '-kernel', elf])
    if status != 0 or out != PARTIAL_OUT:
        return ['partial line: status %d, output %r (want %r)' % (status, out, PARTIAL_OUT)]
    return []


def check_no_progress_option(emu, elf):
    status, out = run_pty([emu, '-M', 'virt', '-bios', 'none', '--no-progress', '-kernel', elf])
    if status != 0 or out != GUEST_OUT:
        return ['--no-progress: status %d, output %r (want %r)' % (status, out, GUEST_OUT)]
    return []


def check_not_a_terminal(emu, elf):
    status, out, err = run_pipes([emu, '-M', 'virt', '-bios', 'none', '-kernel', elf])
    want = GUEST_OUT.replace(b'\r\n', b'\n')
    if status != 0 or out != want or err != b'':
        return ['pipes: status %d, stdout %r, stderr %r' % (status, out, err)]
    return []


def main():
    emu, elf, partial = sys.argv[1], sys.argv[2], sys.argv[3]
    checks = [(check_terminal_with_line, elf), (check_partial_line, partial),
              (check_no_progress_option, elf), (check_not_a_terminal, elf)]
    failures = []
    # The guest waits for wall-clock time, so running the four at once changes no result.
    with concurrent.futures.ThreadPoolExecutor(len(checks)) as pool:
        for problems in pool.map(lambda c: c[0](emu, c[1]), checks):
            failures += problems
    for f in failures:
        print('FAIL', f)
    print('%d failures' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
