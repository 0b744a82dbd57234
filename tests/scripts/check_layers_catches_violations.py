#!/usr/bin/env python3
"""scripts/check-layers.sh passes on the tree and fails, naming the file and line, on an
upward include reintroduced into a copy of it, and on an include cycle.
Usage: check_layers_catches_violations.py REPO_ROOT"""
import os
import shutil
import subprocess
import sys
import tempfile

LAYERS = ['util', 'sync', 'mm', 'cpu', 'accel', 'hw']


def run(script, root):
    return subprocess.run(['bash', script, root], capture_output=True, text=True)


def main():
    repo = os.path.abspath(sys.argv[1])
    script = os.path.join(repo, 'scripts', 'check-layers.sh')
    fails = 0

    def check(ok, what, p):
        nonlocal fails
        if not ok:
            fails += 1
            print('FAIL %s: status %d, stderr %r' % (what, p.returncode, p.stderr))
        else:
            print('ok   %s' % what)

    p = run(script, repo)
    check(p.returncode == 0, 'the repository passes', p)
    with tempfile.TemporaryDirectory() as tmp:
        for layer in LAYERS:
            shutil.copytree(os.path.join(repo, layer), os.path.join(tmp, layer))
        p = run(script, tmp)
        check(p.returncode == 0, 'a copy passes', p)

        # The upward include this layering removed: the TLB printing through the board.
        tlb = os.path.join(tmp, 'mm', 'tlb.c')
        with open(tlb) as f:
            text = f.read()
        with open(tlb, 'w') as f:
            f.write(text.replace('#include "mm/tlb.h"\n', '#include "mm/tlb.h"\n#include "hw/machine.h"\n', 1))
        p = run(script, tmp)
        check(p.returncode == 1 and 'mm/tlb.c:4: includes hw/machine.h' in p.stderr and
              'mm/ may not depend on hw/' in p.stderr, 'mm/ including hw/ fails', p)
        with open(tlb, 'w') as f:
            f.write(text)

        # sync/ reaching into cpu/, as it did before CPUState existed.
        work = os.path.join(tmp, 'sync', 'work.c')
        with open(work, 'a') as f:
            f.write('#include "cpu/cpu.h"\n')
        p = run(script, tmp)
        check(p.returncode == 1 and 'sync/work.c:' in p.stderr and 'includes cpu/cpu.h' in p.stderr,
              'sync/ including cpu/ fails', p)
        shutil.copy(os.path.join(repo, 'sync', 'work.c'), work)

        # A cycle inside one layer is not against the arrows, but still a tangle.
        with open(os.path.join(tmp, 'util', 'cyc_a.h'), 'w') as f:
            f.write('#include "util/cyc_b.h"\n')
        with open(os.path.join(tmp, 'util', 'cyc_b.h'), 'w') as f:
            f.write('#include "util/cyc_a.h"\n')
        p = run(script, tmp)
        check(p.returncode == 1 and 'include cycle: util/cyc_a.h util/cyc_b.h' in p.stderr,
              'an include cycle fails', p)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
