#!/usr/bin/env python3
"""scripts/check-docs.py passes on the tree and fails, naming the document and line, when a
function the docs cite is renamed in the sources, when a file they cite is removed, and on a
broken link.
Usage: check_docs_catches_renames.py REPO_ROOT"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

DIRS = ['accel', 'cpu', 'mm', 'sync', 'util', 'hw', 'tests', 'bench', 'docs', 'scripts',
        'guests', '.ci']


SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts',
                      'check-docs.py')


def run(root):
    return subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True)


def main():
    repo = os.path.abspath(sys.argv[1])
    fails = 0

    def check(ok, what, p):
        nonlocal fails
        print(('ok   ' if ok else 'FAIL ') + what + ('' if ok else ': status %d, output %r' %
                                                     (p.returncode, p.stdout[-2000:])))
        fails += not ok

    check(run(repo).returncode == 0, 'the repository passes', run(repo))
    with tempfile.TemporaryDirectory() as tmp:
        ignore = shutil.ignore_patterns('__pycache__', '*.o', '*.elf', '*.bin')
        for d in DIRS:
            if os.path.isdir(os.path.join(repo, d)):
                shutil.copytree(os.path.join(repo, d), os.path.join(tmp, d), ignore=ignore)
        for f in ('README.md', 'CONTRIBUTING.md', 'meson.build', 'meson_options.txt'):
            if os.path.exists(os.path.join(repo, f)):
                shutil.copy(os.path.join(repo, f), os.path.join(tmp, f))
        p = run(tmp)
        check(p.returncode == 0, 'a copy passes', p)

        # Rename a function the architecture note cites, everywhere in the sources only.
        old, new = 'riscv_cpu_list_set', 'riscv_cpu_list_renamed'
        for dirpath, _, names in os.walk(tmp):
            if os.path.relpath(dirpath, tmp).split(os.sep)[0] == 'docs':
                continue
            for n in names:
                path = os.path.join(dirpath, n)
                if n.endswith(('.c', '.h', '.py', '.sh')):
                    text = open(path, errors='replace').read()
                    if old in text:
                        open(path, 'w').write(re.sub(r'\b%s\b' % old, new, text))
        p = run(tmp)
        check(p.returncode == 1 and re.search(r'docs/\w+\.md:\d+: no such name in the sources: '
                                              + old, p.stdout) is not None,
              'a renamed function is reported', p)

        # Remove a file README.md names.
        os.remove(os.path.join(tmp, 'scripts', 'check-layers.sh'))
        p = run(tmp)
        check(p.returncode == 1 and 'no such path: scripts/check-layers.sh' in p.stdout,
              'a removed file is reported', p)

        # A broken relative link.
        with open(os.path.join(tmp, 'docs', 'cli.md'), 'a') as f:
            f.write('\nSee [the gone note](gone.md).\n')
        p = run(tmp)
        check(p.returncode == 1 and 'broken link: gone.md' in p.stdout, 'a broken link is reported', p)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
