#!/usr/bin/env bash
# Check that the source folders depend one way (docs/architecture.md, "Layers"):
#
#     util  <-  sync  <-  mm  <-  cpu  <-  accel  <-  hw
#
# A file may include headers of its own folder and of the folders to its left, never of a
# folder to its right: a lower layer reaches up only through a hook it defines (CPUStateOps,
# CPUTLBOps, RISCVTimerOps, AddressSpace.code_page_written, builtin_firmware). Also fails on
# any include cycle between files. tests/, bench/ and guests/ use every layer and are not
# checked.
#   scripts/check-layers.sh [ROOT]      (default: the repository)
# Exit status 0 when clean; 1 with one line per violation on stderr.
set -euo pipefail
root=${1:-"$(dirname "$0")/.."}
exec python3 - "$root" <<'PY'
import os
import re
import sys

LAYERS = ['util', 'sync', 'mm', 'cpu', 'accel', 'hw']
RANK = {name: i for i, name in enumerate(LAYERS)}
root = sys.argv[1]
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

files = []
for layer in LAYERS:
    d = os.path.join(root, layer)
    if os.path.isdir(d):
        files += [os.path.join(layer, f) for f in sorted(os.listdir(d)) if f.endswith(('.c', '.h'))]

bad = 0
graph = {}
for f in files:
    graph[f] = []
    with open(os.path.join(root, f), errors='replace') as src:
        for n, line in enumerate(src, 1):
            m = include.match(line)
            if not m:
                continue
            target = m.group(1)
            graph[f].append(target)
            to = target.split('/')[0]
            frm = f.split('/')[0]
            if to in RANK and RANK[to] > RANK[frm]:
                print('%s:%d: includes %s: %s/ may not depend on %s/ (layers: %s); reach up '
                      'through a hook instead' % (f, n, target, frm, to, ' <- '.join(LAYERS)),
                      file=sys.stderr)
                bad += 1

# Include cycles between files (Tarjan's strongly connected components, iteratively).
index, low, on_stack, stack, cycles = {}, {}, set(), [], []
counter = 0
for start in graph:
    if start in index:
        continue
    work = [(start, iter(graph[start]))]
    index[start] = low[start] = counter
    counter += 1
    stack.append(start)
    on_stack.add(start)
    while work:
        v, it = work[-1]
        advanced = False
        for w in it:
            if w not in graph:
                continue
            if w not in index:
                index[w] = low[w] = counter
                counter += 1
                stack.append(w)
                on_stack.add(w)
                work.append((w, iter(graph[w])))
                advanced = True
                break
            if w in on_stack:
                low[v] = min(low[v], index[w])
        if advanced:
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[v])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))
for comp in cycles:
    print('include cycle: %s' % ' '.join(comp), file=sys.stderr)
    bad += 1
if bad:
    print('check-layers: %d violation(s)' % bad, file=sys.stderr)
    sys.exit(1)
print('check-layers: %d files, layers %s, no upward include, no include cycle' %
      (len(files), ' <- '.join(LAYERS)))
PY
