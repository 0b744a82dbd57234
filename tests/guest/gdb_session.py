#!/usr/bin/env python3
"""A real gdb-multiarch session against tlbstorm's gdbstub (-S -gdb tcp::PORT), -smp 4.

Guest: tlbtorture (S-mode, built-in SBI, symbols in its ELF). Three sessions:
  1. break at guest_secondary with the harts held by -S: `info threads` lists 4 harts, the
     breakpoint stops a secondary hart inside guest_secondary (`bt`), `thread 1` and
     `info registers` read another hart, `stepi` moves the pc, a 4-byte read of _start gives
     the first instruction word; a word of the breakpoint's code page is written (its TBs are
     invalidated) and the breakpoint stops the next hart that gets there; then it is deleted
     and gdb detaches: the guest runs on to PASS and tlbstorm exits 0.
  2. `watch arrived` (a counter each secondary hart increments with an AMO once, read by
     hart 0): the stop is on a secondary hart with Old value = New value - 1; `rwatch go`
     stops a hart that reads the start flag (Value = 0); then a
     breakpoint in reader_round (run over and over by every reading hart) is hit twice, and
     after detach the guest runs on to PASS.
  3. `monitor info cpus` (qRcmd) lists the 4 harts; `kill`: tlbstorm ends at once with
     status 0.
Skipped (exit 77) when gdb-multiarch is missing.

    gdb_session.py TLBSTORM TLBTORTURE_ELF
"""
import re
import shutil
import sys

from testlib import elf_words, free_port, gdb_session, report


def session(tlbstorm, elf, commands):
    port = free_port()
    return gdb_session([tlbstorm, '-M', 'virt', '-smp', '4', '-nographic', '-S',
                        '-gdb', 'tcp::%d' % port, '-kernel', elf], port, elf, commands)


def main():
    tlbstorm, elf = sys.argv[1], sys.argv[2]
    if not shutil.which('gdb-multiarch'):
        print('SKIP: gdb-multiarch not installed')
        return 77
    problems = []

    g, out, rc = session(tlbstorm, elf, [
        'info threads', 'break guest_secondary', 'continue', 'bt', 'info registers pc',
        'stepi', 'info registers pc', 'thread 1', 'info registers sp', 'set var $t0 = 0x1234', 'p/x $t0',
        'x/1xw _start',
        # rewrite a word of the breakpoint's code page: its TBs are invalidated, the
        # breakpoint must still stop the next hart that gets there
        'set var *(int *)((char *)guest_secondary + 4) = *(int *)((char *)guest_secondary + 4)',
        'continue', 'delete', 'detach'])
    threads = re.findall(r'Thread (\d) "hart (\d)"', g)
    if sorted(set(threads)) != [('1', '0'), ('2', '1'), ('3', '2'), ('4', '3')]:
        problems.append('info threads did not list harts 0-3: %r' % threads)
    if not re.search(r'hit Breakpoint 1, guest_secondary \(hartid=[123]', g):
        problems.append('no stop at guest_secondary on a secondary hart')
    hits = re.findall(r'Thread \d "hart (\d)" hit Breakpoint 1, guest_secondary', g)
    if len(hits) != 2 or hits[0] == hits[1]:
        problems.append('after its page was rewritten the breakpoint did not stop another hart: '
                        '%r' % hits)
    if not re.search(r'#0  guest_secondary', g):
        problems.append('bt does not start in guest_secondary')
    pcs = re.findall(r'^pc\s+(0x[0-9a-f]+)', g, re.M)
    if len(pcs) < 2 or pcs[0] == pcs[1]:
        problems.append('stepi did not move the pc: %r' % pcs)
    if not re.search(r'^\$\d+ = 0x1234$', g, re.M):
        problems.append('writing t0 from gdb did not read back')
    if not re.search(r'\[Switching to thread 1 ', g):
        problems.append('thread 1 not selected')
    if not re.search(r'<_start>:\s+0x%08x' % elf_words(elf, 0x80200000, 1)[0], g):
        problems.append('memory read of _start wrong')
    if 'tlbtorture: PASS' not in out or rc != 0:
        problems.append('after detach the guest did not run on to PASS (status %s)' % rc)

    g3, out3, rc3 = session(tlbstorm, elf, [
        'watch arrived', 'continue', 'info threads', 'delete', 'rwatch go', 'continue',
        'delete', 'break reader_round',
        'continue', 'continue', 'delete', 'detach'])
    m = re.search(r'Hardware watchpoint 1: arrived\s+Old value = (\d+)\s+New value = (\d+)',
                  g3)
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        problems.append('watch arrived did not report an increment')
    if not re.search(r'Hardware read watchpoint \d+: go\s+Value = 0', g3):
        problems.append('rwatch go (secondary harts spin reading it) did not stop')
    cur = re.search(r'^\* (\d)\s+Thread \d "hart (\d)"', g3, re.M)
    if not cur or cur.group(2) == '0':
        problems.append('the watchpoint did not stop on a secondary hart (the writer): %r'
                        % (cur.group(0) if cur else None))
    if len(re.findall(r'hit Breakpoint \d+, (?:0x[0-9a-f]+ in )?reader_round', g3)) != 2:
        problems.append('breakpoint in reader_round not hit twice')
    if 'tlbtorture: PASS' not in out3 or rc3 != 0:
        problems.append('session 3: guest did not reach PASS after detach (status %s)' % rc3)

    g2, out2, rc2 = session(tlbstorm, elf, ['info threads', 'monitor info cpus', 'kill'])
    if len(re.findall(r'CPU #\d: pc=0x[0-9a-f]+', g2)) != 4:
        problems.append('monitor info cpus (qRcmd) did not list 4 harts:\n' + g2[-800:])
    if rc2 != 0 or 'tlbtorture: PASS' in out2:
        problems.append('kill: status %s, guest output %r' % (rc2, out2[-200:]))

    if problems:
        print('gdb session 1:\n' + g + '\nguest:\n' + out[-1500:])
        print('gdb session 3:\n' + g3)
    return report(problems, 'gdb_session: threads, breakpoint, bt, stepi, registers, memory, '
                            'watchpoint, detach, kill')


if __name__ == '__main__':
    sys.exit(main())
