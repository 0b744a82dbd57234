"""Helpers shared by the guest-level test scripts of the debugger, monitor and log suites."""
import os
import socket
import struct
import subprocess


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def reap(proc, problems=None):
    """Kill proc if it still runs (noting it in problems when given) and wait for it."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        if problems is not None:
            problems.append('tlbstorm still running at the end')


def report(problems, passed):
    """Print each problem as FAIL (status 1), or the PASS line (status 0)."""
    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print('PASS ' + passed)
    return 0


def gdb_session(emu_cmd, port, symbols, commands, timeout=60):
    """Start tlbstorm (emu_cmd, listening for GDB on port), run gdb-multiarch in batch mode
    with `commands` after `target remote`, then wait for tlbstorm to end. Returns (gdb's
    output, tlbstorm's output, tlbstorm's status). GDB_DEBUG=1 logs the remote packets."""
    emu = subprocess.Popen(emu_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    script = ['set pagination off', 'set confirm off']
    if os.environ.get('GDB_DEBUG'):
        script.append('set debug remote 1')
    script += ['target remote 127.0.0.1:%d' % port] + list(commands)
    args = ['gdb-multiarch', '-nx', '-batch', symbols]
    for c in script:
        args += ['-ex', c]
    try:
        gdb = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=timeout)
        out, _ = emu.communicate(timeout=timeout)
    finally:
        reap(emu)
    return (gdb.stdout.decode(errors='replace') + gdb.stderr.decode(errors='replace'),
            out.decode(errors='replace'), emu.returncode)


def remove_socket_dir(tmp, path, problems=None):
    """Remove the Unix socket `path` (tlbstorm removes it at exit: noting it in problems when
    given if it is still there) and its temporary directory."""
    if os.path.exists(path):
        if problems is not None:
            problems.append('the socket %s was left behind' % os.path.basename(path))
        os.unlink(path)
    os.rmdir(tmp)


def elf_words(path, addr, n):
    """The n 32-bit little-endian words at virtual address addr of an ELF64 file's loadable
    segments, so that a test compares guest memory with the image it loaded rather than
    with words that move whenever the guest is rebuilt."""
    with open(path, 'rb') as f:
        data = f.read()
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            '<IIQQQQ', data, phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= addr and addr + 4 * n <= p_vaddr + p_filesz:
            off = p_offset + addr - p_vaddr
            return list(struct.unpack_from('<%dI' % n, data, off))
    raise ValueError('%s: no loaded bytes at %#x' % (path, addr))
