#!/usr/bin/env python3
"""Compute benchmark: time tlbstorm against qemu-system-riscv64 on bare-metal guests.

Guests (bench/guests/*.S, built standalone with riscv64-unknown-elf-gcc):
  empty    powers off at once; its mean time (start-up + load + shutdown) is subtracted
  intloop  register-only integer loop, ~1.02e9 instructions by default
  memloop  loads/stores over a 1 MiB buffer plus pointer chasing, ~9.0e8 instructions
  fploop   double-precision chain (fmadd, fdiv, fsqrt, conversions), ~2.1e8 instructions

Each guest carries its exact dynamic instruction count in a "TLBSBENCH-INFO1" record in
its ELF, which is where this script takes it from (so prebuilt guests built with another
-DITERS are counted correctly).  `--verify-counts` checks those counts against a
single-stepped QEMU execution trace.

For every emulator and guest the guest is run --runs times (interleaved: run 1 of every
guest on every emulator, then run 2, ...), wall time is measured with
time.perf_counter() around subprocess.run(), the min and max are dropped when there
are at least 5 samples, and

    MIPS = (insns(guest) - insns(empty)) / (mean(guest) - mean(empty)) / 1e6

The ratio column is tlbstorm MIPS / qemu MIPS (> 1 means tlbstorm is faster).
Guests that print a checksum line ("<name> <16 hex digits>") must print the same value
on every run and on both emulators.  Exit status is non-zero if anything failed.

Standard library only.  Example:
    python3 bench/compute.py --tlbstorm build/tlbstorm --json out.json
    python3 bench/compute.py --only qemu
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
GUEST_SRC_DIR = os.path.join(BENCH_DIR, "guests")

ALL_GUESTS = ["empty", "intloop", "memloop", "fploop"]
COMPUTE_GUESTS = ["intloop", "memloop", "fploop"]
EMULATORS = ["tlbstorm", "qemu"]

DEFAULT_FLAGS = "-M virt -bios none -nographic -m 128M -accel tcg,thread=multi"
# -N: one RWX segment starting exactly at .text, without the ELF headers in front of it
# (otherwise GNU ld starts the segment a page below RAM, at 0x7ffff000).
CC_FLAGS = ["-march=rv64gc", "-mabi=lp64d", "-nostdlib", "-nostartfiles",
            "-Wl,-Ttext=0x80000000", "-Wl,-N", "-Wl,--no-warn-rwx-segments"]
RAM_BASE = 0x80000000

INFO_MAGIC = b"TLBSBENCH-INFO1\0"
INFO_FMT = "<QQQ16s"          # instructions, iterations, flags, name
INFO_PRINTS_CHECKSUM = 1

# Small iteration counts used by --verify-counts (two points per guest, so both the
# per-iteration cost and the fixed overhead are checked).
VERIFY_ITERS = {"empty": [None], "intloop": [1000, 2000], "memloop": [1, 2],
                "fploop": [1000, 2000]}


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tail(text, lines=15):
    if not text:
        return ""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


def decode(b):
    if b is None:
        return ""
    if isinstance(b, str):
        return b
    return b.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------- guests

def read_guest_info(elf_path):
    """Read the benchmark descriptor that each guest embeds in its .rodata."""
    with open(elf_path, "rb") as f:
        data = f.read()
    off = data.find(INFO_MAGIC)
    if off < 0:
        raise BenchError("%s: no %s record (not a bench guest?)"
                         % (elf_path, INFO_MAGIC.rstrip(b"\0").decode()))
    if data.find(INFO_MAGIC, off + 1) >= 0:
        raise BenchError("%s: more than one benchmark record" % elf_path)
    insns, iters, flags, name = struct.unpack_from(INFO_FMT, data,
                                                   off + len(INFO_MAGIC))
    return {
        "name": name.split(b"\0", 1)[0].decode("ascii", errors="replace"),
        "instructions": insns,
        "iterations": iters,
        "prints_checksum": bool(flags & INFO_PRINTS_CHECKSUM),
    }


def build_guest(cc, name, out_dir, iters=None):
    src = os.path.join(GUEST_SRC_DIR, name + ".S")
    suffix = "" if iters is None else "-%d" % iters
    out = os.path.join(out_dir, name + suffix + ".elf")
    cmd = [cc] + CC_FLAGS + ([] if iters is None else ["-DITERS=%d" % iters]) + \
        ["-o", out, src]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
    except FileNotFoundError:
        raise BenchError("compiler not found: %s" % cc)
    if p.returncode != 0:
        raise BenchError("building %s failed (exit %d): %s\n%s"
                         % (name, p.returncode, " ".join(map(shlex.quote, cmd)),
                            tail(decode(p.stdout))))
    return out, cmd


# ------------------------------------------------------------------------- emulators

def find_executable(path):
    """Return an absolute executable path for `path` (a path or a name on PATH)."""
    if os.sep in path:
        return os.path.abspath(path) if os.path.isfile(path) and \
            os.access(path, os.X_OK) else None
    return shutil.which(path)


def query_version(path):
    try:
        p = subprocess.run([path, "--version"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "unknown (%s)" % e
    text = decode(p.stdout).strip() or decode(p.stderr).strip()
    first = text.splitlines()[0].strip() if text else ""
    if p.returncode != 0:
        return "unknown (--version exited %d%s)" % (
            p.returncode, ": " + first if first else "")
    return first or "unknown (no output)"


def run_once(cmd, timeout):
    """Run one emulator invocation; return a measurement dict.

    The child gets its own process group so that a timeout (or Ctrl-C) also ends
    anything it started (e.g. when the emulator path is a wrapper script)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        return {"ok": False, "seconds": time.perf_counter() - t0, "exit": None,
                "error": "could not start: %s" % e, "stdout": "", "stderr": ""}
    try:
        out, err = p.communicate(timeout=timeout)
        t1 = time.perf_counter()
    except subprocess.TimeoutExpired:
        t1 = time.perf_counter()
        kill_group(p)
        out, err = p.communicate()
        return {"ok": False, "seconds": t1 - t0, "exit": None,
                "error": "timed out after %.0f s" % timeout,
                "stdout": decode(out), "stderr": decode(err)}
    except BaseException:
        kill_group(p)
        p.communicate()
        raise
    kill_group(p)            # leftovers of a wrapper, if any; no-op normally
    return {"ok": p.returncode == 0, "seconds": t1 - t0, "exit": p.returncode,
            "error": None if p.returncode == 0 else "exit status %d" % p.returncode,
            "stdout": decode(out), "stderr": decode(err)}


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if p.poll() is None:
        p.kill()
    p.wait()


def parse_checksum(name, stdout):
    m = re.search(r"(?m)^%s ([0-9a-f]{16})\s*$" % re.escape(name), stdout)
    return m.group(1) if m else None


# ------------------------------------------------------------------------ statistics

def summarize(times):
    """Trimmed mean/stdev: drop min and max when there are >= 5 samples."""
    if not times:
        return None
    s = sorted(times)
    used = s[1:-1] if len(s) >= 5 else s
    return {
        "n": len(times),
        "used": used,
        "trimmed": len(s) >= 5,
        "mean": statistics.mean(used),
        "stdev": statistics.stdev(used) if len(used) >= 2 else 0.0,
        "min": s[0],
        "max": s[-1],
    }


def host_info():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() in ("model name", "uarch", "cpu model", "Model") \
                        and val.strip():
                    model = val.strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": model or platform.processor() or "unknown",
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def cpu_snapshot():
    """(wall, host busy CPU seconds, CPU seconds of this process and its children)."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        # user nice system idle iowait irq softirq steal ...
        busy = (sum(fields[:3]) + sum(fields[5:8])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        own += ru.ru_utime + ru.ru_stime
    return time.monotonic(), busy, own


def other_cpu_load(a, b):
    """Fraction of the host's CPU capacity used by other processes between a and b."""
    if not a or not b or b[0] <= a[0]:
        return None
    ncpu = os.cpu_count() or 1
    other = (b[1] - a[1]) - (b[2] - a[2])
    return max(0.0, other) / ((b[0] - a[0]) * ncpu)


# --------------------------------------------------------------------- verification

def qemu_trace_count(qemu, elf, poweroff_pc, workdir):
    """Count instructions executed at >= RAM_BASE with QEMU single-stepping."""
    help_text = decode(subprocess.run([qemu, "-help"], stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, timeout=30).stdout)
    if re.search(r"^-singlestep", help_text, re.M):
        step = ["-singlestep"]
    else:                                    # QEMU >= 8.1
        step = ["-accel", "tcg,one-insn-per-tb=on"]
    logf = os.path.join(workdir, "trace.log")
    if os.path.exists(logf):
        os.unlink(logf)
    cmd = [qemu, "-M", "virt", "-bios", "none", "-nographic", "-m", "128M"] + step + \
        ["-d", "exec,nochain", "-D", logf, "-kernel", elf]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    if p.returncode != 0:
        raise BenchError("trace run failed (exit %d): %s" % (p.returncode,
                                                            tail(decode(p.stderr))))
    pat = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")
    count = 0
    reached = False
    with open(logf, errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if not m:
                continue
            pc = int(m.group(1), 16)
            if pc < RAM_BASE:
                continue
            count += 1
            if pc == poweroff_pc:
                reached = True
                break
    os.unlink(logf)
    if not reached:
        raise BenchError("trace never reached the power-off store at %#x" % poweroff_pc)
    return count, decode(p.stdout)


def symbol_address(cc, elf, symbol):
    nm = cc[:-3] + "nm" if cc.endswith("gcc") else "nm"
    p = subprocess.run([nm, elf], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    for line in decode(p.stdout).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == symbol:
            return int(parts[0], 16)
    raise BenchError("%s: symbol %s not found (%s)" % (elf, symbol, nm))


def verify_counts(args, qemu):
    if not qemu:
        log("--verify-counts needs qemu-system-riscv64")
        return 1
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tlbstorm-bench-verify-") as tmp:
        for name in ALL_GUESTS:
            for iters in VERIFY_ITERS[name]:
                elf, _ = build_guest(args.cc, name, tmp, iters)
                info = read_guest_info(elf)
                pc = symbol_address(args.cc, elf, "bench_poweroff")
                traced, _ = qemu_trace_count(qemu, elf, pc, tmp)
                ok = traced == info["instructions"]
                failed += not ok
                print("%-8s ITERS=%-6s embedded=%-10d traced=%-10d %s"
                      % (name, "-" if iters is None else iters, info["instructions"],
                         traced, "OK" if ok else "MISMATCH"))
    return 1 if failed else 0


# ------------------------------------------------------------------------------ main

def fmt_time(st):
    if not st:
        return "-"
    return "%.4f ± %.4f" % (st["mean"], st["stdev"])


def main():
    ap = argparse.ArgumentParser(
        description="Time tlbstorm and qemu-system-riscv64 on compute guests.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--tlbstorm", default=os.path.join(REPO_DIR, "build", "tlbstorm"),
                    help="tlbstorm binary (default: <repo>/build/tlbstorm)")
    ap.add_argument("--qemu", default="qemu-system-riscv64",
                    help="qemu-system-riscv64 binary (default: from PATH); "
                         "skipped with a note if missing")
    ap.add_argument("--only", choices=EMULATORS,
                    help="run just one emulator (no ratio is computed)")
    ap.add_argument("--runs", type=int, default=5,
                    help="runs per guest and emulator (default 5; min and max are "
                         "dropped when >= 5)")
    ap.add_argument("--guests", default=",".join(COMPUTE_GUESTS),
                    help="comma-separated compute guests (default: intloop,memloop,fploop; "
                         "empty always runs)")
    ap.add_argument("--guest-dir",
                    help="use prebuilt <dir>/{empty,intloop,memloop,fploop}.elf instead of "
                         "building")
    ap.add_argument("--build-dir",
                    help="build the guests here (default: a temporary directory)")
    ap.add_argument("--cc", default="riscv64-unknown-elf-gcc",
                    help="cross compiler (default: riscv64-unknown-elf-gcc)")
    ap.add_argument("--intloop-iters", type=int,
                    help="override ITERS for intloop (default in the source: 60000000)")
    ap.add_argument("--memloop-iters", type=int,
                    help="override ITERS for memloop (default in the source: 3000)")
    ap.add_argument("--fploop-iters", type=int,
                    help="override ITERS for fploop (default in the source: 10000000)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="per-run timeout in seconds (default 300)")
    ap.add_argument("--tlbstorm-flags", default=DEFAULT_FLAGS,
                    help="tlbstorm options before -kernel (default: %(default)s)")
    ap.add_argument("--qemu-flags", default=DEFAULT_FLAGS,
                    help="QEMU options before -kernel (default: %(default)s)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--verify-counts", action="store_true",
                    help="check the embedded instruction counts against a "
                         "single-stepped QEMU trace (small ITERS) and exit")
    args = ap.parse_args()

    if args.runs < 1:
        ap.error("--runs must be >= 1")
    guests = [g.strip() for g in args.guests.split(",") if g.strip()]
    for g in guests:
        if g not in COMPUTE_GUESTS:
            ap.error("unknown guest %r (choose from %s)" % (g, ", ".join(COMPUTE_GUESTS)))
    guests = ["empty"] + [g for g in COMPUTE_GUESTS if g in guests]

    qemu_path = find_executable(args.qemu)
    if args.verify_counts:
        return verify_counts(args, qemu_path)

    failures = []
    notes = []

    # -- emulators
    emus = {}
    wanted = [args.only] if args.only else EMULATORS
    for name in EMULATORS:
        if name not in wanted:
            notes.append("%s: skipped (--only %s)" % (name, args.only))
            continue
        req = args.tlbstorm if name == "tlbstorm" else args.qemu
        path = find_executable(req)
        if path is None:
            if name == "qemu":
                notes.append("qemu: %s not found, skipped" % req)
            else:
                failures.append("tlbstorm: %s not found or not executable "
                                "(build it, pass --tlbstorm PATH, or use --only qemu)"
                                % req)
            continue
        flags = shlex.split(args.tlbstorm_flags if name == "tlbstorm"
                            else args.qemu_flags)
        emus[name] = {"path": path, "flags": flags, "version": query_version(path)}

    # -- guests
    guest_info = {}
    tmpdir = None
    try:
        if args.guest_dir:
            for g in guests:
                elf = os.path.abspath(os.path.join(args.guest_dir, g + ".elf"))
                if not os.path.isfile(elf):
                    raise BenchError("prebuilt guest missing: %s" % elf)
                guest_info[g] = dict(read_guest_info(elf), elf=elf, built_with=None)
        else:
            if args.build_dir:
                out_dir = os.path.abspath(args.build_dir)
                os.makedirs(out_dir, exist_ok=True)
            else:
                tmpdir = tempfile.TemporaryDirectory(prefix="tlbstorm-bench-")
                out_dir = tmpdir.name
            iters = {"intloop": args.intloop_iters, "memloop": args.memloop_iters,
                     "fploop": args.fploop_iters}
            for g in guests:
                elf, cmd = build_guest(args.cc, g, out_dir, iters.get(g))
                guest_info[g] = dict(read_guest_info(elf), elf=elf, built_with=cmd)
        for g, info in guest_info.items():
            if info["name"] != g:
                raise BenchError("%s: descriptor says it is %r" % (info["elf"],
                                                                   info["name"]))
    except BenchError as e:
        log("error: %s" % e)
        if tmpdir:
            tmpdir.cleanup()
        return 2

    try:
        load_start = list(os.getloadavg())
    except OSError:
        load_start = None
    cpu_start = cpu_snapshot()

    # -- measurements (interleaved; emulator order alternates between rounds)
    meas = {(g, e): [] for g in guests for e in emus}
    broken = {}
    emu_order = [e for e in EMULATORS if e in emus]
    try:
        for r in range(args.runs):
            order = emu_order if r % 2 == 0 else emu_order[::-1]
            for g in guests:
                for e in order:
                    if (g, e) in broken:
                        continue
                    cmd = [emus[e]["path"]] + emus[e]["flags"] + \
                        ["-kernel", guest_info[g]["elf"]]
                    res = run_once(cmd, args.timeout)
                    res["run"] = r + 1
                    res["checksum"] = parse_checksum(g, res["stdout"])
                    if res["ok"] and guest_info[g]["prints_checksum"] and \
                            res["checksum"] is None:
                        res["ok"] = False
                        res["error"] = "no '%s <16 hex digits>' line on stdout" % g
                    meas[(g, e)].append(res)
                    log("run %d/%d  %-8s %-9s %8.4f s%s"
                        % (r + 1, args.runs, g, e, res["seconds"],
                           "" if res["ok"] else "  FAILED: " + res["error"]))
                    if not res["ok"]:
                        broken[(g, e)] = res
                        failures.append(
                            "%s on %s, run %d: %s\n  command: %s\n"
                            "  stdout tail:\n%s\n  stderr tail:\n%s"
                            % (g, e, r + 1, res["error"],
                               " ".join(map(shlex.quote, cmd)),
                               indent(tail(res["stdout"])),
                               indent(tail(res["stderr"]))))
    finally:
        if tmpdir:
            tmpdir.cleanup()

    # -- statistics
    results = []
    stats = {}
    for g in guests:
        for e in emu_order:
            ok_runs = [m for m in meas[(g, e)] if m["ok"]]
            st = summarize([m["seconds"] for m in ok_runs]) \
                if (g, e) not in broken else None
            sums = sorted({m["checksum"] for m in ok_runs if m["checksum"]})
            if len(sums) > 1:
                failures.append("%s on %s: checksum differs between runs: %s"
                                % (g, e, ", ".join(sums)))
            stats[(g, e)] = {"st": st, "checksum": sums[0] if len(sums) == 1 else None}

    for g in guests:
        if g == "empty" or len(emu_order) < 2:
            continue
        a = stats.get((g, "tlbstorm"), {}).get("checksum")
        b = stats.get((g, "qemu"), {}).get("checksum")
        if a and b and a != b:
            failures.append("%s: tlbstorm checksum %s != qemu checksum %s"
                            % (g, a, b))

    mips = {}
    for g in guests:
        for e in emu_order:
            st = stats[(g, e)]["st"]
            est = stats[("empty", e)]["st"]
            row = {
                "guest": g, "emulator": e,
                "instructions": guest_info[g]["instructions"],
                "iterations": guest_info[g]["iterations"],
                "status": "ok" if st else "failed",
                "checksum": stats[(g, e)]["checksum"],
                "runs": [{"run": m["run"], "seconds": m["seconds"], "ok": m["ok"],
                          "exit": m["exit"], "error": m["error"]}
                         for m in meas[(g, e)]],
                "seconds_used": st["used"] if st else None,
                "trimmed": st["trimmed"] if st else None,
                "mean_s": st["mean"] if st else None,
                "stdev_s": st["stdev"] if st else None,
                "min_s": st["min"] if st else None,
                "max_s": st["max"] if st else None,
                "net_s": None, "net_instructions": None,
                "mips": None, "mips_stdev": None,
            }
            if g != "empty" and st and est:
                net = st["mean"] - est["mean"]
                ninsn = guest_info[g]["instructions"] - \
                    guest_info["empty"]["instructions"]
                row["net_s"] = net
                row["net_instructions"] = ninsn
                if net > 0:
                    v = ninsn / net / 1e6
                    row["mips"] = v
                    row["mips_stdev"] = v * math.hypot(st["stdev"], est["stdev"]) / net
                    mips[(g, e)] = v
                else:
                    notes.append("%s on %s: time not above the empty-guest time; "
                                 "no MIPS" % (g, e))
            results.append(row)

    ratios = {}
    for g in guests:
        if ("tlbstorm" in emus and "qemu" in emus and (g, "tlbstorm") in mips
                and (g, "qemu") in mips):
            ratios[g] = mips[(g, "tlbstorm")] / mips[(g, "qemu")]
    startup_ratio = None
    if "tlbstorm" in emus and "qemu" in emus:
        ta = stats[("empty", "tlbstorm")]["st"]
        tb = stats[("empty", "qemu")]["st"]
        if ta and tb and tb["mean"] > 0:
            startup_ratio = ta["mean"] / tb["mean"]

    # -- text report
    host = host_info()
    host["loadavg_at_start"] = load_start
    other = other_cpu_load(cpu_start, cpu_snapshot())
    host["other_cpu_load"] = other
    if other is not None and other > 0.10:
        notes.append("other processes used %.0f%% of the host's CPU time during the "
                     "measurements; numbers may be noisy" % (100 * other))
    print("tlbstorm compute benchmark  %s" % datetime.datetime.now().isoformat(
        timespec="seconds"))
    print("host: %s, %s CPUs usable, %s" % (host["cpu_model"], host["nproc"],
                                           host["kernel"]))
    for e in emu_order:
        print("%-9s %s\n          %s" % (e + ":", emus[e]["version"],
                                         " ".join([emus[e]["path"]] + emus[e]["flags"]
                                                  + ["-kernel", "X.elf"])))
    print("runs: %d per guest and emulator%s" % (
        args.runs, ", min and max dropped" if args.runs >= 5 else ""))
    print()
    hdr = ("%-8s %-9s %12s  %-19s %8s  %14s  %13s"
           % ("guest", "emulator", "instructions", "seconds (mean ± sd)", "net s",
              "MIPS", "tlbstorm/qemu"))
    print(hdr)
    print("-" * len(hdr))
    for row in results:
        g, e = row["guest"], row["emulator"]
        st = stats[(g, e)]["st"]
        if row["status"] != "ok":
            mtxt = "FAILED"
        elif row["mips"] is not None:
            mtxt = "%.1f ± %.1f" % (row["mips"], row["mips_stdev"])
        else:
            mtxt = "-"
        if e == "tlbstorm" and g in ratios:
            rtxt = "%.3fx" % ratios[g]
        elif e == "tlbstorm" and g == "empty" and startup_ratio is not None:
            rtxt = "(%.2fx t)" % startup_ratio
        else:
            rtxt = ""
        print("%-8s %-9s %12d  %-19s %8s  %14s  %13s"
              % (g, e, row["instructions"], fmt_time(st),
                 "%.4f" % row["net_s"] if row["net_s"] is not None else "-",
                 mtxt, rtxt))
    print()
    print("MIPS = (instructions - empty's) / (mean - empty mean) / 1e6; tlbstorm/qemu is "
          "the MIPS ratio (>1: tlbstorm faster);\nfor empty it is the start-up time ratio.")
    for n in notes:
        print("note: %s" % n)
    if failures:
        print()
        print("FAILURES (%d):" % len(failures))
        for f in failures:
            print("- " + f)

    # -- JSON
    if args.json:
        doc = {
            "benchmark": "tlbstorm-compute",
            "schema": 1,
            "timestamp": datetime.datetime.now().astimezone().isoformat(
                timespec="seconds"),
            "host": host,
            "versions": {e: (emus[e]["version"] if e in emus else None)
                         for e in EMULATORS},
            "commands": {e: [emus[e]["path"]] + emus[e]["flags"] + ["-kernel", "X.elf"]
                         for e in emu_order},
            "runs": args.runs,
            "trim_min_max": args.runs >= 5,
            "timeout_s": args.timeout,
            "guests": {g: {"instructions": i["instructions"],
                           "iterations": i["iterations"],
                           "elf": None if tmpdir else i["elf"],
                           "built_with": i["built_with"]}
                       for g, i in guest_info.items()},
            "results": results,
            "ratios_tlbstorm_over_qemu_mips": ratios,
            "startup_ratio_tlbstorm_over_qemu": startup_ratio,
            "notes": notes,
            "failures": failures,
            "ok": not failures,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")

    return 1 if failures else 0


def indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.splitlines()) if text else \
        prefix + "(empty)"


if __name__ == "__main__":
    sys.exit(main())
