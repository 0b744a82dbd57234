#!/usr/bin/env python3
"""Sort each contiguous run of project includes (#include "dir/file.h") alphabetically.
Usage: scripts/sort-includes.py FILE..."""
import sys

for path in sys.argv[1:]:
    lines = open(path).read().split('\n')
    out, run = [], []
    for line in lines + [None]:
        if line is not None and line.startswith('#include "'):
            run.append(line)
            continue
        out.extend(sorted(dict.fromkeys(run)))
        run = []
        if line is not None:
            out.append(line)
    new = '\n'.join(out)
    if new != '\n'.join(lines):
        open(path, 'w').write(new)
