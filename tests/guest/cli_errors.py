#!/usr/bin/env python3
"""End-to-end checks of the binary's user-error contract: a bad option, a missing or malformed
image, an image too large for RAM, overlapping images: exactly one line on stderr naming the
problem, nothing on stdout, exit status 1, and no file left half-written. Also checks that
-machine dumpdtb writes a complete device tree and exits 0."""
import json
import os
import struct
import subprocess
import sys
import tempfile


def run(emu, args, timeout=20):
    return subprocess.run([emu] + args, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout)


def main():
    emu, good_elf = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as d:
        def path(name, data):
            p = os.path.join(d, name)
            with open(p, 'wb') as f:
                f.write(data)
            return p

        truncated = path('truncated.elf', b'\x7fELF\x02\x01\x01')
        notriscv = path('x86.elf', b'\x7fELF\x02\x01\x01' + b'\0' * 9 +
                        struct.pack('<HHI', 2, 62, 1) + b'\0' * 40)
        big = path('big.img', b'')
        with open(big, 'wb') as f:
            f.truncate(200 << 20)   # sparse: 200 MiB against 128 MiB of RAM
        initrd = path('initrd.img', b'')
        with open(initrd, 'wb') as f:
            f.truncate((62 << 20) + 100)
        notdtb = path('bad.dtb', b'hello, not a device tree')
        bigdtb = path('big.dtb', b'')
        with open(bigdtb, 'wb') as f:
            f.truncate(2 << 20)     # above the 1 MiB a device tree may have

        cases = [
            (['-foo'], '-foo'),
            (['-smp', '0', '-bios', 'none', '-kernel', good_elf], '-smp'),
            (['-m', '5X', '-bios', 'none', '-kernel', good_elf], '-m'),
            (['-M', 'sifive_u'], 'sifive_u'),
            (['-bios', 'none', '-kernel', os.path.join(d, 'missing.elf')], 'missing.elf'),
            (['-bios', 'none', '-kernel', d], d),
            (['-bios', 'none', '-kernel', truncated], 'truncated'),
            (['-bios', 'none', '-kernel', notriscv], 'RISC-V'),
            (['-bios', 'none', '-kernel', big], 'does not fit'),
            (['-bios', 'none', '-kernel', good_elf, '-initrd', initrd], 'overlaps'),
            (['-bios', 'none', '-kernel', good_elf, '-dtb', notdtb], 'device tree'),
            (['-bios', 'none', '-kernel', good_elf, '-dtb', bigdtb], 'too large'),
            (['-bios', 'none', '-kernel', good_elf, '-dtb', d], 'not a device tree'),
            (['-bios', 'none'], '-kernel'),
            (['-bios', 'none', '-kernel', good_elf, '-gdb', 'tcp::99999'], 'bad port'),
            (['-bios', 'none', '-kernel', good_elf, '-gdb', 'unix:' + os.path.join(d, 'no', 's')],
             'cannot listen'),
            (['-bios', 'none', '-kernel', good_elf, '-monitor', 'stdio'], 'serial console'),
            (['-bios', 'none', '-kernel', good_elf, '-monitor', 'unix:' + os.path.join(d, 'm')],
             'server,nowait'),
            (['-bios', 'none', '-kernel', good_elf, '-S'], '-S'),
            # The built-in SBI (default -bios) runs an S-mode kernel: nothing to run without.
            (['-M', 'virt'], 'built-in SBI firmware needs -kernel'),
            (['-bios', 'default', '-smp', '2'], 'built-in SBI firmware needs -kernel'),
            (['-kernel', os.path.join(d, 'missing.elf')], 'missing.elf'),
            (['-kernel', good_elf, '-initrd', initrd], 'overlaps'),
            (['--flush=sometimes', '-bios', 'none', '-kernel', good_elf], 'sometimes'),
            (['--trace-flush=' + os.path.join(d, 'nodir', 't.txt'), '-bios', 'none',
              '-kernel', good_elf], 'nodir'),
            (['--tlb-check-json=' + os.path.join(d, 'nodir', 'r.json'), '-bios', 'none',
              '-kernel', good_elf], 'nodir'),
            (['--tlb-check=sometimes', '-bios', 'none', '-kernel', good_elf], 'sometimes'),
            (['--tlb-check', '--symbols', os.path.join(d, 'missing.map'), '-bios', 'none',
              '-kernel', good_elf], 'missing.map'),
            (['--tlb-check', '--symbols', initrd, '-bios', 'none', '-kernel', good_elf],
             'neither ELF nor a System.map'),
            (['-M', 'virt,dumpdtb=' + os.path.join(d, 'nodir', 'x.dtb'), '-bios', 'none',
              '-kernel', good_elf], 'dumpdtb'),
        ]
        for args, want in cases:
            p = run(emu, args)
            err = p.stderr.decode(errors='replace')
            lines = err.splitlines()
            problems = []
            if p.returncode != 1:
                problems.append('exit status %d, expected 1' % p.returncode)
            if len(lines) != 1:
                problems.append('%d stderr lines, expected 1' % len(lines))
            if want not in err:
                problems.append('stderr does not mention %r' % want)
            if p.stdout:
                problems.append('unexpected stdout %r' % p.stdout[:80])
            if problems:
                failures.append('%s: %s; stderr=%r' % (' '.join(args), ', '.join(problems), err))

        dtb = os.path.join(d, 'board.dtb')
        p = run(emu, ['-M', 'virt,dumpdtb=' + dtb, '-smp', '3', '-bios', 'none',
                      '-kernel', good_elf, '-append', 'console=ttyS0'])
        if p.returncode != 0 or p.stdout or p.stderr:
            failures.append('dumpdtb: status %d, stdout %r, stderr %r'
                            % (p.returncode, p.stdout, p.stderr))
        else:
            data = open(dtb, 'rb').read()
            magic, total = struct.unpack('>II', data[:8])
            if magic != 0xd00dfeed or total != len(data):
                failures.append('dumpdtb: bad blob (magic %#x, totalsize %d, file %d)'
                                % (magic, total, len(data)))
            if b'console=ttyS0' not in data or data.count(b'cpu@') < 3:
                failures.append('dumpdtb: bootargs or cpu nodes missing')
        # dumpdtb needs no image, whatever the firmware.
        p = run(emu, ['-M', 'virt,dumpdtb=' + dtb])
        if p.returncode != 0 or p.stdout or p.stderr or not os.path.exists(dtb):
            failures.append('dumpdtb without -kernel: status %d, stdout %r, stderr %r'
                            % (p.returncode, p.stdout, p.stderr))
        stats = os.path.join(d, 'stats.json')
        p = run(emu, ['--stats=' + stats, '-smp', '2', '-bios', 'none', '-kernel', good_elf])
        try:
            doc = json.load(open(stats))
            if (p.returncode != 0 or doc.get('schema') != 'tlbstorm-stats-1' or
                    doc.get('vcpus') != 2 or doc['requests']['all']['synced'] < 1):
                failures.append('--stats=FILE: status %d, document %r' % (p.returncode, doc))
        except (OSError, ValueError, KeyError) as e:
            failures.append('--stats=FILE: no valid JSON (%s); stderr=%r' % (e, p.stderr))
        bad = os.path.join(d, 'nodir', 'stats.json')
        p = run(emu, ['--stats=' + bad, '-bios', 'none', '-kernel', good_elf])
        err_lines = p.stderr.decode(errors='replace').strip().splitlines()
        if p.returncode == 0 or len(err_lines) != 1 or 'nodir' not in err_lines[0]:
            failures.append('--stats=unwritable: status %d, stderr %r' % (p.returncode, err_lines))
        leftovers = [f for f in os.listdir(d) if '.tmp.' in f]
        if leftovers:
            failures.append('temporary files left behind: %s' % leftovers)

    for f in failures:
        print('FAIL', f)
    print('%d failures' % len(failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
