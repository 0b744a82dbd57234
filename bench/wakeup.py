#!/usr/bin/env python3
"""Wake-up benchmark: the cost of waking a hart from WFI with an IPI and of its going back to
sleep, on tlbstorm and on qemu-system-riscv64, with the same guest.

The guest (guests/smp/smp_wakeup.c, built by meson as build/guests/smp_wakeup.elf): hart 0
raises each other hart's CLINT MSIP in turn and waits for its answer; the others sleep in
WFI, clear MSIP and answer. It prints the mean round trip in guest time (mtime, 10 MHz).
Each emulator runs the guest --runs times per -smp, interleaved; the script reports the
median round trip and the host CPU time per round trip (user + system of the emulator
process, which includes hart 0's busy wait), as a table and optionally JSON.

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
LINE = re.compile(r"smp_wakeup: harts (\d+), round trips (\d+), mtime ticks (\d+)"
                  r"(?:, mean round trip ns (\d+))?")


def run_once(cmd, timeout):
    """One run: (round trips, mean ns, host CPU seconds, wall seconds) or an error string."""
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
    m = LINE.search(out)
    if p.returncode != 0 or not m or "PASS smp_wakeup" not in out or not m.group(4):
        return "status %d, output %r" % (p.returncode, out[-300:])
    return int(m.group(2)), int(m.group(4)), cpu, wall


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
                trips, ns, cpu, wall = r
                samples.setdefault((name, smp), []).append(
                    {"round_trips": trips, "mean_ns": ns, "cpu_s": cpu, "wall_s": wall})
                print("run %d -smp %d %-9s round trip %6d ns, host CPU %.3f s" %
                      (run + 1, smp, name, ns, cpu), flush=True)
    print("| smp | emulator | round trip ns (median) | host CPU us per round trip | "
          "tlbstorm / QEMU (time) |")
    print("|---|---|---|---|---|")
    result = []
    for smp in smps:
        med = {}
        for name in emulators:
            s = samples.get((name, smp))
            if not s:
                continue
            ns = statistics.median(x["mean_ns"] for x in s)
            cpu_us = statistics.median(x["cpu_s"] / x["round_trips"] * 1e6 for x in s)
            med[name] = ns
            result.append({"smp": smp, "emulator": name, "median_round_trip_ns": ns,
                           "median_cpu_us_per_round_trip": cpu_us, "samples": s})
        for name in emulators:
            if name in med:
                ratio = ""
                if name == "tlbstorm" and "qemu" in med and med["qemu"]:
                    ratio = "%.2fx" % (med["tlbstorm"] / med["qemu"])
                row = next(r for r in result if r["smp"] == smp and r["emulator"] == name)
                print("| %d | %s | %.0f | %.1f | %s |" % (
                    smp, name, med[name], row["median_cpu_us_per_round_trip"], ratio))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bench": "tlbstorm-wakeup-1", "runs": args.runs, "results": result},
                      f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
