#!/usr/bin/env python3
"""Wake-up benchmark: the cost of waking a hart from WFI with an IPI or a device interrupt and
of its going back to sleep, on tlbstorm and on qemu-system-riscv64, with the same guest.

The guest (guests/smp/smp_wakeup.c, built by meson as build/guests/smp_wakeup.elf): the
other harts sleep in WFI. First hart 0 raises each one's CLINT MSIP in turn and waits for its
answer (it clears MSIP and answers); then it raises the UART's THR-empty interrupt routed
through the PLIC to one hart at a time (that hart claims it, lowers the line, completes and
answers). It prints each mean round trip in guest time (mtime, 10 MHz). Each emulator runs
the guest --runs times per -smp, interleaved; the script reports, per kind of interrupt, the
median round trip, and the host CPU time per round trip of the whole run (user + system of
the emulator process over both kinds, which includes hart 0's busy wait), as a table and
optionally JSON.

Standard library only. Example:
    python3 bench/wakeup.py --smp 2,4 --runs 5 --json out.json
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINE = re.compile(r"smp_wakeup: (device interrupts, )?harts (\d+), round trips (\d+), "
                  r"mtime ticks (\d+)(?:, mean round trip ns (\d+))?")
KINDS = ("ipi", "device")


def run_once(cmd, timeout):
    """One run: (round trips of each kind, {kind: mean ns}, host CPU seconds, wall seconds) or
    an error string."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = p.stdout.decode(errors="replace")
    means, trips = {}, 0
    for m in LINE.finditer(out):
        if m.group(5):
            means[KINDS[1] if m.group(1) else KINDS[0]] = int(m.group(5))
            trips = int(m.group(3))
    if p.returncode != 0 or len(means) != len(KINDS) or "PASS smp_wakeup" not in out:
        return "status %d, output %r" % (p.returncode, out[-300:])
    return trips, means, cpu, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tlbstorm", default=os.path.join(REPO, "build", "tlbstorm"))
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--guest", default=os.path.join(REPO, "build", "guests", "smp_wakeup.elf"))
    ap.add_argument("--smp", default="2,4", help="comma-separated -smp values (default 2,4)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    for path in (args.tlbstorm, args.guest):
        if not os.path.exists(path):
            sys.exit("wakeup: missing %s (run scripts/build.sh)" % path)
    emulators = {"tlbstorm": args.tlbstorm}
    if shutil.which(args.qemu):
        emulators["qemu"] = args.qemu
    else:
        print("wakeup: %s not found; tlbstorm only" % args.qemu, file=sys.stderr)
    smps = [int(s) for s in args.smp.split(",")]
    samples = {}
    failed = False
    for run in range(args.runs):
        for smp in smps:
            for name, exe in emulators.items():
                cmd = [exe, "-M", "virt", "-bios", "none", "-nographic", "-m", "128M",
                       "-smp", str(smp), "-kernel", args.guest]
                r = run_once(cmd, args.timeout)
                if isinstance(r, str):
                    print("FAILED %s -smp %d run %d: %s" % (name, smp, run + 1, r))
                    failed = True
                    continue
                trips, means, cpu, wall = r
                samples.setdefault((name, smp), []).append(
                    {"round_trips": trips, "mean_ns": means, "cpu_s": cpu, "wall_s": wall})
                print("run %d -smp %d %-9s round trip: IPI %6d ns, device %6d ns; host CPU "
                      "%.3f s" % (run + 1, smp, name, means["ipi"], means["device"], cpu),
                      flush=True)
    print("| smp | interrupt | emulator | round trip ns (median) | host CPU us per round trip "
          "(both kinds) | tlbstorm / QEMU (time) |")
    print("|---|---|---|---|---|---|")
    result = []
    for smp in smps:
        for kind in KINDS:
            med = {}
            for name in emulators:
                s = samples.get((name, smp))
                if not s:
                    continue
                ns = statistics.median(x["mean_ns"][kind] for x in s)
                cpu_us = statistics.median(x["cpu_s"] / (2 * x["round_trips"]) * 1e6
                                           for x in s)
                med[name] = (ns, cpu_us)
                result.append({"smp": smp, "interrupt": kind, "emulator": name,
                               "median_round_trip_ns": ns,
                               "median_cpu_us_per_round_trip": cpu_us,
                               "samples": [dict(x, mean_ns=x["mean_ns"][kind]) for x in s]})
            for name, (ns, cpu_us) in med.items():
                ratio = ""
                if name == "tlbstorm" and "qemu" in med and med["qemu"][0]:
                    ratio = "%.2fx" % (ns / med["qemu"][0])
                print("| %d | %s | %s | %.0f | %.1f | %s |" % (smp, kind, name, ns, cpu_us,
                                                               ratio))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bench": "tlbstorm-wakeup-2", "runs": args.runs, "results": result},
                      f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
