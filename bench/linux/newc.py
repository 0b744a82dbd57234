#!/usr/bin/env python3
"""Write an initramfs: a newc ("070701") cpio archive, with no root needed for device nodes.

    newc.py OUT ENTRY...
      dir:NAME[:MODE]            a directory (mode in octal, default 755)
      chr:NAME:MAJOR:MINOR       a character device, mode 600
      file:NAME:PATH[:MODE]      the file at PATH on the host (default mode 755)

Entries are written in the order given (a directory before what it holds). OUT is written
to OUT.tmp and renamed, so an interrupted run leaves no half archive. Used by
bench/linux/build-initramfs.sh and bench/stressng/build.sh."""
import os
import stat
import sys


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    ino = 1
    parts = []

    def entry(name, mode, data=b'', rdev=(0, 0)):
        """One newc header + name + data, each padded to 4 bytes."""
        nonlocal ino
        name_b = name.encode() + b'\0'
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
        ino += 1
        rec = b'070701' + b''.join(b'%08X' % f for f in fields) + name_b
        rec += b'\0' * (-len(rec) % 4) + data
        parts.append(rec + b'\0' * (-len(rec) % 4))

    for spec in specs:
        kind, _, rest = spec.partition(':')
        f = rest.split(':')
        if kind == 'dir':
            entry(f[0], stat.S_IFDIR | int(f[1] if len(f) > 1 else '755', 8))
        elif kind == 'chr':
            entry(f[0], stat.S_IFCHR | 0o600, rdev=(int(f[1]), int(f[2])))
        elif kind == 'file':
            with open(f[1], 'rb') as src:
                data = src.read()
            entry(f[0], stat.S_IFREG | int(f[2] if len(f) > 2 else '755', 8), data)
        else:
            sys.exit('newc.py: unknown entry %r' % spec)
    entry('TRAILER!!!', 0)
    archive = b''.join(parts)
    archive += b'\0' * (-len(archive) % 512)
    with open(out + '.tmp', 'wb') as f:
        f.write(archive)
    os.replace(out + '.tmp', out)


if __name__ == '__main__':
    main()
