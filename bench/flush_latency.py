#!/usr/bin/env python3
"""Run bench/flush_latency (built by meson; this script builds nothing) over the matrix
vCPUs {2, 4, 8} x delivery {mailbox (ours: run slots as tlbstorm's default), mailbox-noslots
(--run-slots=off), qemu (QEMU's baseline, no slots)} x targets {1, 3, 7} (k targets need k + 1
vCPUs: hart 0 runs guest code too but is never targeted), print a table and write CSV.

    python3 bench/flush_latency.py [--build-dir build] [--samples 3000] [--csv out.csv]

Each (vCPUs, mode) pair is one run of the program, which measures every target count on the
same machine. Latency = CLOCK_MONOTONIC around tlb_flush_cpus(PAGE, synced) from a host
thread that is not a vCPU, with --pause-us between requests; p50/p99 are nearest-rank."""
import argparse
import csv
import os
import platform
import subprocess
import sys

FIELDS = ["smp", "mode", "targets", "count", "p50_us", "p99_us", "max_us", "mean_us",
          "kicked", "skipped"]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_one(binary, guest, smp, mode, args):
    cmd = [binary, "--smp", str(smp), "--mode", mode, "--targets", "1,3,7",
           "--samples", str(args.samples), "--warmup", str(args.warmup),
           "--pause-us", str(args.pause_us), guest]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=args.timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"flush_latency failed ({proc.returncode}): {' '.join(cmd)}")
    rows = []
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT,"):
            vals = line.split(",")[1:]
            rows.append(dict(zip(FIELDS, vals)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--binary", help="default: BUILD_DIR/bench/flush_latency")
    ap.add_argument("--guest", help="default: BUILD_DIR/guests/flush_stress.elf")
    ap.add_argument("--smp", default="2,4,8")
    ap.add_argument("--modes", default="mailbox,mailbox-noslots,qemu")
    ap.add_argument("--samples", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--pause-us", type=int, default=200)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per run")
    ap.add_argument("--csv", default="flush_latency.csv")
    args = ap.parse_args()
    binary = args.binary or os.path.join(args.build_dir, "bench", "flush_latency")
    guest = args.guest or os.path.join(args.build_dir, "guests", "flush_stress.elf")
    for path in (binary, guest):
        if not os.path.exists(path):
            raise SystemExit(f"{path} not found: build first (meson setup build && ninja -C build)")

    rows = []
    for smp in [int(s) for s in args.smp.split(",")]:
        for mode in args.modes.split(","):
            print(f"running smp={smp} mode={mode} ...", file=sys.stderr, flush=True)
            rows += run_one(binary, guest, smp, mode, args)

    print(f"host: {cpu_model()}, {os.cpu_count()} CPUs, Linux {platform.release()}; "
          f"{args.samples} samples per row, {args.pause_us} us pause, synced PAGE flush")
    hdr = f"{'vCPUs':>5} {'targets':>7} {'mode':>15} {'count':>6} {'p50 us':>9} {'p99 us':>10} " \
          f"{'max us':>10} {'mean us':>9}"
    print(hdr)
    print("-" * len(hdr))
    for r in sorted(rows, key=lambda r: (int(r["smp"]), int(r["targets"]), r["mode"])):
        print(f"{r['smp']:>5} {r['targets']:>7} {r['mode']:>15} {r['count']:>6} "
              f"{float(r['p50_us']):>9.1f} {float(r['p99_us']):>10.1f} "
              f"{float(r['max_us']):>10.1f} {float(r['mean_us']):>9.1f}")
    with open(args.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"CSV written to {args.csv}")


if __name__ == "__main__":
    main()
