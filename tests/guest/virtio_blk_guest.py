#!/usr/bin/env python3
"""Run the bare-metal virtio-blk guest against a fresh raw image (contract: the comment at the
top of guests/virtio/virtio_blk_test.c) with QEMU's -drive/-device syntax, then check what
reached the file: sector 0 untouched, sectors 1..4 hold the guest's final pattern. Also runs
the same guest against a read-only drive, where the guest's writes must fail (non-zero exit)
and the file must stay unchanged."""
import os
import subprocess
import sys
import tempfile

MAGIC = b'TLBSTORM-VIRTIO-TEST'


def run(emu, elf, img, readonly):
    drive = 'file=%s,if=none,format=raw,id=x0%s' % (img, ',readonly=on' if readonly else '')
    cmd = [emu, '-M', 'virt', '-bios', 'none', '-nographic', '-m', '128M', '-kernel', elf,
           '-global', 'virtio-mmio.force-legacy=false', '-drive', drive,
           '-device', 'virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0']
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    sys.stdout.write(p.stdout.decode(errors='replace') + p.stderr.decode(errors='replace'))
    return p.returncode, p.stdout.decode(errors='replace')


def make_image(d):
    img = os.path.join(d, 'disk.img')
    with open(img, 'wb') as f:
        f.write(MAGIC)
        f.truncate(64 * 1024)
    return img


def main():
    emu, elf = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as d:
        img = make_image(d)
        rc, out = run(emu, elf, img, False)
        if rc != 0 or 'PASS' not in out:
            failures.append('read-write run: exit %d' % rc)
        data = open(img, 'rb').read()
        if data[:len(MAGIC)] != MAGIC or any(data[len(MAGIC):512]):
            failures.append('sector 0 was modified')
        for s in range(1, 5):
            want = bytes(((s << 5) ^ (i * 7) ^ 0xaa) & 0xff for i in range(512))
            if data[512 * s:512 * (s + 1)] != want:
                failures.append('sector %d does not hold the guest pattern' % s)

        img2 = make_image(d)
        before = open(img2, 'rb').read()
        rc, out = run(emu, elf, img2, True)
        if rc == 0:
            failures.append('read-only run passed: writes to a read-only drive must fail')
        if open(img2, 'rb').read() != before:
            failures.append('read-only image changed')
    for f in failures:
        print('FAIL:', f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
