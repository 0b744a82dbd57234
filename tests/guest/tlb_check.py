"""--tlb-check on tlbtorture (docs/tlb-check.md).

usage: tlb_check.py TLBSTORM TLBTORTURE_ELF clean|bugs|fatal [BUG...]

clean: tlbtorture with every fence kind, at -smp 4, on the built-in SBI (also with
  --tlb-retain) and on OpenSBI (when installed), passes and gets no missing-flush report (text
  summary and JSON agree).
bugs: each named bug= mode is reported as a missing flush within 10 s of the start, by the
  hart that printed the bug line as the changer, at a changing pc named through --symbols,
  for a VA inside tlbtorture's test regions; every JSON line parses.
fatal: --tlb-check=fatal stops the run at the first report with status 1 and every hart's pc.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

from testlib import report

FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
TEST_VA_LO, TEST_VA_HI = 0x10_0000_0000, 0x20_0000_0000
BUG_LINE = re.compile(r'tlbtorture: bug=(\S+): hart (\d+) ')
SUMMARY = re.compile(r'tlb-check: (\d+) missing flush(?:es)? reported')


def run(cmd, timeout=90):
    """Run tlbstorm: (status, guest console + reports, seconds to the first report). The guest's
    console (stdout) and the reports (stderr) are read apart, since the console writes byte by
    byte and a report may land in the middle of a guest line."""
    start = time.monotonic()
    first = []
    err_lines = []
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors='replace')

    def read_stderr():
        for line in proc.stderr:
            if not first and line.startswith('tlb-check: missing flush:'):
                first.append(time.monotonic() - start)
            err_lines.append(line)
    reader = threading.Thread(target=read_stderr)
    reader.start()
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    out = proc.stdout.read()
    proc.wait()
    killer.cancel()
    reader.join()
    if proc.returncode == -9:
        out += '(killed after %d s)\n' % timeout
    return proc.returncode, out + ''.join(err_lines), first[0] if first else None


def read_json(path, problems, what):
    rows = []
    try:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    problems.append('%s: JSON line %d does not parse: %r' % (what, n, line[:120]))
    except OSError as e:
        problems.append('%s: %s' % (what, e))
    return rows


def base_cmd(tlbstorm, elf, extra, append, bios=None):
    cmd = [tlbstorm, '-M', 'virt', '-smp', '4', '-m', '256M', '-nographic', '--no-progress']
    if bios:
        cmd += ['-bios', bios]
    return cmd + extra + ['-kernel', elf, '-append', append]


def check_clean(tlbstorm, elf, tmp, problems):
    setups = [('built-in SBI', None, []), ('built-in SBI, --tlb-retain', None, ['--tlb-retain'])]
    if os.path.exists(FW_JUMP):
        setups.append(('OpenSBI', FW_JUMP, []))
    for name, bios, extra in setups:
        js = os.path.join(tmp, 'clean.json')
        status, out, _ = run(base_cmd(tlbstorm, elf,
                                      ['--tlb-check', '--tlb-check-json', js] + extra,
                                      'secs=2', bios))
        m = SUMMARY.search(out)
        if status != 0 or 'tlbtorture: PASS' not in out:
            problems.append('%s: clean run did not pass (status %s): %s' % (name, status,
                                                                            out[-600:]))
        if not m or m.group(1) != '0' or 'tlb-check: missing flush:' in out:
            problems.append('%s: clean run reported missing flushes: %s' % (name, out[-800:]))
        rows = read_json(js, problems, name)
        summary = [r for r in rows if r.get('type') == 'summary']
        if len(summary) != 1 or summary[0].get('missing_flush_reports') != 0 or \
                len(rows) != 1:
            problems.append('%s: JSON is not one zero summary: %r' % (name, rows[:3]))
        elif summary[0].get('pt_stores', 0) == 0:
            problems.append('%s: no page-table store was seen' % name)


def check_bug(tlbstorm, elf, tmp, bug, problems):
    js = os.path.join(tmp, bug + '.json')
    status, out, first = run(base_cmd(tlbstorm, elf, ['--tlb-check', '--tlb-check-json', js,
                                                      '--symbols', elf],
                                      'secs=3 bug=' + bug))
    changers = {int(m.group(2)) for m in BUG_LINE.finditer(out) if m.group(1) == bug}
    rows = [r for r in read_json(js, problems, bug) if r.get('type') == 'missing_flush']
    if not changers:
        problems.append('bug=%s: the guest printed no bug line' % bug)
    if not rows or first is None:
        problems.append('bug=%s: no missing flush reported (status %s): %s' %
                        (bug, status, out[-600:]))
        return
    # tlbstorm caches no table pointers, so a pointer left stale harms nothing the guest sees.
    if status != 1 and bug != 'pt-reuse':
        problems.append('bug=%s: status %s, want 1 (tlbtorture FAIL)' % (bug, status))
    if first > 10:
        problems.append('bug=%s: first report after %.1f s' % (bug, first))
    for r in rows:
        if r['changer_hart'] not in changers:
            problems.append('bug=%s: changer hart %d printed no bug line (%s)' %
                            (bug, r['changer_hart'], sorted(changers)))
            break
        if not r.get('changer_symbol'):
            problems.append('bug=%s: changing pc %#x not named' % (bug, r['changer_pc']))
            break
        if not TEST_VA_LO <= r['va'] < TEST_VA_HI:
            problems.append('bug=%s: report for va %#x outside the test regions' %
                            (bug, r['va']))
            break
    print('bug=%s: %d reports, first after %.1f s' % (bug, len(rows), first))


def check_fatal(tlbstorm, elf, problems):
    status, out, first = run(base_cmd(tlbstorm, elf, ['--tlb-check=fatal', '--symbols', elf],
                                      'secs=5 bug=skip-remote'))
    if status != 1:
        problems.append('fatal: status %s, want 1' % status)
    if first is None or 'tlb-check: stopped at the first missing flush; harts at:' not in out:
        problems.append('fatal: no report or no stop: %s' % out[-600:])
    for h in range(4):
        if not re.search(r'^  hart %d pc 0x[0-9a-f]+' % h, out, re.M):
            problems.append('fatal: no pc for hart %d' % h)
    if 'tlbtorture: result after' in out:
        problems.append('fatal: the guest ran to its end')


def main():
    tlbstorm, elf, mode = sys.argv[1:4]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        if mode == 'clean':
            check_clean(tlbstorm, elf, tmp, problems)
        elif mode == 'bugs':
            for bug in sys.argv[4:]:
                check_bug(tlbstorm, elf, tmp, bug, problems)
        elif mode == 'fatal':
            check_fatal(tlbstorm, elf, problems)
        else:
            problems.append('unknown mode ' + mode)
    return report(problems, 'tlb_check ' + mode)


if __name__ == '__main__':
    sys.exit(main())
