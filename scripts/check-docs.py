#!/usr/bin/env python3
"""Check that README.md, CONTRIBUTING.md and docs/ name only things that exist: every
repository path (in backticks or as a link target) and every backticked C identifier; and
that every docs/*.md a source comment cites exists. Names that are not
ours (QEMU's, Linux's, the RISC-V specs', other tools') go in docs/names-outside.txt, one per
line. Run by the test command.
    scripts/check-docs.py [ROOT]
Exit status 0 when every name resolves; 1 with one line per stale name (file:line: name)."""
import glob
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
TOP = ('accel', 'cpu', 'mm', 'sync', 'util', 'hw', 'tests', 'bench', 'docs', 'scripts',
       'guests', '.ci')
SRC_DIRS = ('accel', 'cpu', 'mm', 'sync', 'util', 'hw', 'tests', 'bench', 'guests', 'scripts',
            'docs/models')
CODE = re.compile(r'`([^`\n]+)`')
LINK = re.compile(r'\]\(([^)\s#]+)(?:#[^)]*)?\)')
IDENT = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)(\(\))?$')


def source_words():
    words = set()
    for d in SRC_DIRS:
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for n in names:
                if n.endswith(('.c', '.h', '.def', '.S', '.s', '.py', '.sh', '.ld', '.build',
                               '.toml', '.pml', '.config')):
                    with open(os.path.join(dirpath, n), errors='replace') as f:
                        words.update(re.findall(r'[A-Za-z_][A-Za-z0-9_]*', f.read()))
    for n in ('meson.build', 'meson_options.txt'):
        p = os.path.join(ROOT, n)
        if os.path.exists(p):
            words.update(re.findall(r'[A-Za-z_][A-Za-z0-9_]*', open(p).read()))
    return words


def looks_like_c_identifier(tok):
    """Only names written the way C names are, so prose in backticks is not taken for code:
    snake_case with an underscore, or a CamelCase type name, or a call `name()`."""
    m = IDENT.match(tok)
    if not m:
        return None
    name = m.group(1)
    if m.group(2) or '_' in name.strip('_') or re.match(r'^[A-Z][a-z]+[A-Z]', name):
        return name
    return None


def path_candidate(tok):
    tok = tok.strip().rstrip('.,;:')
    tok = re.sub(r':\d+(-\d+)?$', '', tok)            # file:line
    if ' ' in tok or tok.startswith(('-', '$', '~', '/')) or '=' in tok:
        return None
    first = tok.split('/')[0]
    if first in TOP and '/' in tok:
        return tok
    if re.match(r'^[\w.-]+\.(md|c|h|py|sh|def|toml|config|pml)$', tok) and \
            os.path.exists(os.path.join(ROOT, tok)):
        return tok
    if tok in ('meson.build', 'meson_options.txt', 'README.md', 'CONTRIBUTING.md'):
        return tok
    return None


def path_exists(p, base):
    if any(c in p for c in '<>{}') or '...' in p or \
            any(re.match(r'^[A-Z][A-Z0-9_]*$', part) for part in p.split('/')):
        return True                                   # a pattern (TARGET, N), not a path
    for cand in (os.path.join(ROOT, p), os.path.join(base, p)):
        if '*' in p or '?' in p:
            if glob.glob(cand):
                return True
        elif os.path.exists(cand):
            return True
    return False


def main():
    allowed = set()
    allow_file = os.path.join(ROOT, 'docs', 'names-outside.txt')
    if os.path.exists(allow_file):
        for line in open(allow_file):
            line = line.split('#', 1)[0].strip()
            if line:
                allowed.add(line)
    words = source_words()
    docs = [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '**', '*.md'), recursive=True))
    if os.path.exists(os.path.join(ROOT, 'CONTRIBUTING.md')):
        docs.append(os.path.join(ROOT, 'CONTRIBUTING.md'))
    bad = 0
    for doc in docs:
        rel = os.path.relpath(doc, ROOT)
        base = os.path.dirname(doc)
        in_fence = False
        for n, line in enumerate(open(doc), 1):
            if line.lstrip().startswith('```'):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            for tok in CODE.findall(line):
                p = path_candidate(tok)
                if p is not None:
                    if not path_exists(p, base):
                        print('%s:%d: no such path: %s' % (rel, n, p))
                        bad += 1
                    continue
                name = looks_like_c_identifier(tok.strip())
                if name and name not in words and name not in allowed:
                    print('%s:%d: no such name in the sources: %s' % (rel, n, name))
                    bad += 1
            for target in LINK.findall(line):
                if re.match(r'^[a-z]+:', target):
                    continue                          # http:, mailto:
                if not path_exists(target, base):
                    print('%s:%d: broken link: %s' % (rel, n, target))
                    bad += 1
    # Source comments that send the reader to a document: the document must exist.
    for d in ('accel', 'cpu', 'mm', 'sync', 'util', 'hw', 'tests', 'bench', 'guests', 'scripts'):
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for name in sorted(names):
                if not name.endswith(('.c', '.h', '.def', '.S', '.py', '.sh')):
                    continue
                path = os.path.join(dirpath, name)
                for n, line in enumerate(open(path, errors='replace'), 1):
                    for ref in re.findall(r'\bdocs/[\w/.-]*\w\.md\b', line):
                        if not os.path.exists(os.path.join(ROOT, ref)):
                            print('%s:%d: no such document: %s' % (os.path.relpath(path, ROOT), n, ref))
                            bad += 1
    if bad:
        print('check-docs: %d stale name(s); fix the text, or list names that are not ours in '
              'docs/names-outside.txt' % bad)
        return 1
    print('check-docs: %d documents, every path and C name found' % len(docs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
