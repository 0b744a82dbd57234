#!/usr/bin/env python3
"""Shootdown sweep: the flushlat guest (guests/flushlat) on every emulator and flush strategy,
over vCPU counts, fence kinds, target modes and target counts, in one run.

    python3 bench/shootdown_sweep.py --out sweep/            # the full sweep (minutes)
    python3 bench/shootdown_sweep.py --quick --out /tmp/s    # smoke run (seconds)

Emulators (--emulators, comma-separated):
  tlbstorm             tlbstorm, default flush delivery (mailbox), built-in SBI
  tlbstorm-qemu-flush  tlbstorm --flush=qemu (QEMU 7.2's delivery rebuilt), built-in SBI
  qemu                 qemu-system-riscv64 -bios OpenSBI fw_jump (fences run in M-mode)
  tlbstorm-opensbi     tlbstorm, mailbox, -bios OpenSBI fw_jump (not in the default set)
The default is the first three. If qemu-system-riscv64 is not installed the qemu column is
skipped with a warning, which the report repeats.

One boot of the guest per (emulator, vCPU count) measures every cell; the emulators take
turns at each vCPU count, in an order flipped at every count, so drift on the host hits them
alike. The guest times each remote fence with rdtime (see docs/measuring.md for its method).

Writes into --out: shootdown_sweep.csv (one row per emulator x vCPUs x kind x mode x
targets), shootdown_sweep.json (host, versions, commands, notes), logs/ (each run's console),
and with gnuplot latency.png, throughput.png, ratio.png, peer_work.png plus plots.gp and the
.dat files it reads. Exit status 0 if every run ended with "flushlat: done" and no FAIL."""

import argparse
import csv
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)
from compute import (cpu_snapshot, find_executable, host_info, other_cpu_load,  # noqa: E402
                     query_version, run_once)

FW_JUMP = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

# name -> (which binary, extra flags, boots OpenSBI, label for plots and reports)
EMULATORS = {
    "tlbstorm": ("tlbstorm", [], False, "tlbstorm (mailbox, built-in SBI)"),
    "tlbstorm-qemu-flush": ("tlbstorm", ["--flush=qemu"], False,
                            "tlbstorm --flush=qemu (built-in SBI)"),
    "qemu": ("qemu", [], True, "QEMU + OpenSBI fw_jump"),
    "tlbstorm-opensbi": ("tlbstorm", [], True, "tlbstorm + OpenSBI fw_jump"),
}
DEFAULT_EMULATORS = ["tlbstorm", "tlbstorm-qemu-flush", "qemu"]
REFERENCE = "tlbstorm"     # the denominator of every ratio

CELL_KEYS = ["kind", "mode", "targets", "harts", "n", "p50_us", "p90_us", "p99_us", "max_us",
             "min_us", "mean_us", "mean_cycles", "peer_ops_per_ms"]
CSV_FIELDS = ["emulator", "vcpus", "kind", "mode", "targets", "n", "p50_us", "p90_us",
              "p99_us", "max_us", "min_us", "mean_us", "shootdowns_per_s", "mean_cycles",
              "peer_ops_per_ms", "run_status", "run_wall_s", "host_other_load"]

FULL = dict(samples=500, cell_ms=5000, warmup=5, gap_us=20, vcpus="1,2,4,8",
            kinds="page,range,asid,all", modes="busy,idle,flushing", targets="1,3,7,all",
            timeout=900)
QUICK = dict(samples=10, cell_ms=100, warmup=1, gap_us=5, vcpus="1,2,4", kinds="page,all",
             modes="busy,idle,flushing", targets="1,3,all", timeout=120)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_cells(text):
    """The guest's machine-readable lines, as dicts with numbers converted."""
    cells = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("flushlat: kind="):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if any(k not in f for k in CELL_KEYS):
            continue
        for k in ("targets", "harts", "n", "mean_cycles"):
            f[k] = int(f[k])
        for k in CELL_KEYS:
            if k.endswith("_us") or k == "peer_ops_per_ms":
                f[k] = float(f[k])
        cells.append(f)
    return cells


def run_status(res, text):
    if res["error"] and res["error"].startswith("timed out"):
        return "timeout"
    if "flushlat: FAIL" in text:
        return "guest-fail"
    if not res["ok"]:
        return "exit-%s" % res["exit"]
    if not re.search(r"(?m)^flushlat: done\s*$", text):
        return "incomplete"
    return "ok"


def expected_cells(vcpus, kinds, modes, targets):
    """The cells flushlat measures for these bootargs (see its header comment)."""
    if vcpus == 1:
        return {(k, "none", 0) for k in kinds}
    counts = set()
    for t in targets:
        c = vcpus - 1 if t == "all" else 0 if t == "self" else int(t)
        if c <= vcpus - 1:
            counts.add(c)
    return {(k, m, c) for k in kinds for m in modes for c in counts}


def emulator_command(name, paths, vcpus, guest, append, firmware):
    binary, flags, opensbi, _ = EMULATORS[name]
    cmd = [paths[binary], "-M", "virt", "-smp", str(vcpus), "-m", "256M", "-nographic",
           "-accel", "tcg,thread=multi"] + flags
    if opensbi:
        cmd += ["-bios", firmware]
    return cmd + ["-kernel", guest, "-append", append]


# ---------------------------------------------------------------------------- plots

def fmt(v):
    return "%.6g" % v if v is not None else "NaN"


def plot_series(rows, emulators, modes, plot_kind, vcpus_list):
    """{(emu, mode): [(vcpus, row)]}: plot_kind with every other hart targeted; at one vCPU
    the self fence (mode none) stands in for every mode."""
    series = {}
    for e in emulators:
        for m in modes:
            pts = []
            for v in vcpus_list:
                want_mode, want_t = (m, v - 1) if v > 1 else ("none", 0)
                for r in rows:
                    if (r["emulator"], r["vcpus"], r["kind"], r["mode"], r["targets"]) == \
                            (e, v, plot_kind, want_mode, want_t):
                        pts.append((v, r))
                        break
            series[(e, m)] = pts
    return series


def write_plots(out, gnuplot, rows, emulators, modes, plot_kind, vcpus_list, title_note):
    pdir = os.path.join(out, "plot-data")
    os.makedirs(pdir, exist_ok=True)
    series = plot_series(rows, emulators, modes, plot_kind, vcpus_list)
    files = {}
    for (e, m), pts in series.items():
        if not pts:
            continue
        path = os.path.join(pdir, "%s_%s.dat" % (e, m))
        with open(path, "w") as f:
            f.write("# vcpus p50_us p90_us p99_us max_us mean_us shootdowns_per_s "
                    "peer_ops_per_ms\n")
            for v, r in pts:
                f.write("%d %s %s %s %s %s %s %s\n" % (
                    v, fmt(r["p50_us"]), fmt(r["p90_us"]), fmt(r["p99_us"]),
                    fmt(r["max_us"]), fmt(r["mean_us"]), fmt(r["shootdowns_per_s"]),
                    fmt(r["peer_ops_per_ms"])))
        files[(e, m)] = path
    def positive(e, m, key):
        return any(r[key] is not None and r[key] > 0 for _, r in series.get((e, m), []))

    ratio_files, ratio_pos = {}, {}
    ref = dict(((m, v), r) for (e, m), pts in series.items() if e == REFERENCE
               for v, r in pts)
    for (e, m), pts in series.items():
        if e == REFERENCE:
            continue
        lines = []
        for v, r in pts:
            b = ref.get((m, v))
            if b and b["p50_us"] > 0 and b["p99_us"] > 0 and b["mean_us"] > 0:
                ratio_pos[(e, m, "p50")] = ratio_pos.get((e, m, "p50")) or r["p50_us"] > 0
                ratio_pos[(e, m, "p99")] = ratio_pos.get((e, m, "p99")) or r["p99_us"] > 0
                lines.append("%d %s %s %s\n" % (v, fmt(r["p50_us"] / b["p50_us"]),
                                                fmt(r["p99_us"] / b["p99_us"]),
                                                fmt(r["mean_us"] / b["mean_us"])))
        if lines:
            path = os.path.join(pdir, "ratio_%s_%s.dat" % (e, m))
            with open(path, "w") as f:
                f.write("# vcpus p50_ratio p99_ratio mean_ratio (%s / %s)\n" % (e, REFERENCE))
                f.writelines(lines)
            ratio_files[(e, m)] = path

    colors = {"tlbstorm": "#1b7837", "tlbstorm-qemu-flush": "#2166ac", "qemu": "#b2182b",
              "tlbstorm-opensbi": "#e08214"}
    xt = ", ".join('"%d" %d' % (v, v) for v in vcpus_list)
    gp = ["# generated by bench/shootdown_sweep.py; run: gnuplot plots.gp",
          "set terminal pngcairo size %d,600 font 'sans,10'" % (470 * len(modes)),
          "set logscale x 2", "set xtics (%s)" % xt,
          "set xrange [%g:%g]" % (min(vcpus_list) / 1.3, max(vcpus_list) * 1.3),
          "set grid", "set key below font ',8'", "set xlabel 'vCPUs'",
          "set datafile missing 'NaN'"]

    def panel(m, parts, ylabel, empty_note="no data", self_note=True):
        out_lines = ["set title '%s targets%s'" % (
            m, " (1 vCPU: self fence)" if self_note and 1 in vcpus_list else ""),
            "set ylabel '%s'" % ylabel]
        if parts:
            out_lines.append("plot " + ", \\\n     ".join(parts))
        else:
            out_lines += ["unset logscale y", "set label 1 '%s' at graph 0.4, 0.5" % empty_note,
                          "plot 1 lc rgb 'white' notitle", "unset label 1", "set logscale y"]
        return out_lines

    def q(path):
        return "'" + os.path.relpath(path, out) + "'"

    def col(c):
        # Log axes: a zero (a fence shorter than one timebase tick) is left out, not plotted.
        return "1:($%d>0?$%d:NaN)" % (c, c)

    def multiplot(png, title, body):
        gp.append("set output '%s'" % png)
        gp.append("set multiplot layout 1,%d title \"%s\"" % (len(modes), title))
        gp.extend(body)
        gp.append("unset multiplot")

    kind_txt = "%s fence, every other hart targeted" % plot_kind
    body = ["set logscale y"]
    for m in modes:
        parts = []
        for e in emulators:
            c = colors.get(e, "black")
            if positive(e, m, "p50_us"):
                parts.append("%s u %s w lp lw 2 pt 7 lc rgb '%s' t '%s p50'"
                             % (q(files[(e, m)]), col(2), c, e))
            if positive(e, m, "p99_us"):
                parts.append("%s u %s w lp lw 2 pt 6 dt 2 lc rgb '%s' t '%s p99'"
                             % (q(files[(e, m)]), col(4), c, e))
        body += panel(m, parts, "latency (us, log)")
    multiplot("latency.png", "Guest-measured SBI remote fence latency: %s%s"
              % (kind_txt, title_note), body)

    body = ["set logscale y"]
    for m in modes:
        parts = ["%s u %s w lp lw 2 pt 7 lc rgb '%s' t '%s'"
                 % (q(files[(e, m)]), col(7), colors.get(e, "black"), e)
                 for e in emulators if positive(e, m, "shootdowns_per_s")]
        body += panel(m, parts, "shootdowns/s from one requester (1e6 / mean us, log)")
    multiplot("throughput.png", "Shootdown throughput: %s%s" % (kind_txt, title_note), body)

    body = ["set logscale y", "set arrow 1 from graph 0, first 50 to graph 1, first 50 "
            "nohead dt 3 lc rgb 'gray40'", "set label 2 '50x' at graph 0.02, first 60"]
    for m in modes:
        parts = []
        for e in emulators:
            c = colors.get(e, "black")
            if ratio_pos.get((e, m, "p50")):
                parts.append("%s u %s w lp lw 2 pt 7 lc rgb '%s' t '%s / %s p50'"
                             % (q(ratio_files[(e, m)]), col(2), c, e, REFERENCE))
            if ratio_pos.get((e, m, "p99")):
                parts.append("%s u %s w lp lw 2 pt 6 dt 2 lc rgb '%s' t '%s / %s p99'"
                             % (q(ratio_files[(e, m)]), col(3), c, e, REFERENCE))
        body += panel(m, parts, "latency ratio (log; > 1: %s faster)" % REFERENCE,
                      "no ratio: needs %s and another emulator" % REFERENCE)
    body += ["unset arrow 1", "unset label 2"]
    multiplot("ratio.png", "Latency ratio to %s: %s%s" % (REFERENCE, kind_txt, title_note),
              body)

    body = ["set logscale y"]
    work_modes = [m for m in modes if m != "idle"] or modes
    gp.append("set terminal pngcairo size %d,600 font 'sans,10'" % (470 * len(work_modes)))
    gp.append("set output 'peer_work.png'")
    gp.append("set multiplot layout 1,%d title \"Progress of the other harts during the cell: "
              "%s%s\"" % (len(work_modes), kind_txt, title_note))
    for m in work_modes:
        parts = ["%s u %s w lp lw 2 pt 7 lc rgb '%s' t '%s'"
                 % (q(files[(e, m)]), col(8), colors.get(e, "black"), e)
                 for e in emulators if positive(e, m, "peer_ops_per_ms")]
        gp += panel(m, parts, "%s per ms, all other harts (log)"
                    % ("busy-loop passes" if m == "busy" else "their own fences"),
                    self_note=False)
    gp.append("unset multiplot")

    script = os.path.join(out, "plots.gp")
    with open(script, "w") as f:
        f.write("\n".join(gp) + "\n")
    p = subprocess.run([gnuplot, "plots.gp"], cwd=out, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = p.stdout.decode(errors="replace")
    pngs = ["latency.png", "throughput.png", "ratio.png", "peer_work.png"]
    missing = [x for x in pngs if not os.path.isfile(os.path.join(out, x))]
    if p.returncode != 0 or missing:
        raise RuntimeError("gnuplot failed (exit %d)%s:\n%s" % (
            p.returncode, "; missing " + ", ".join(missing) if missing else "", text))
    return pngs


# ---------------------------------------------------------------------------- report

def us(v):
    if v is None:
        return "-"
    return "%.1f" % v if v < 1000 else "{:,.0f}".format(v)


def times(ratio):
    if ratio is None:
        return "-"
    return "%.0fx" % ratio if ratio >= 10 else "%.2gx" % ratio


def print_summary(rows, emulators, modes, kinds, vcpus_list):
    by = {(r["emulator"], r["vcpus"], r["kind"], r["mode"], r["targets"]): r for r in rows}
    print("\nEvery other hart targeted (1 vCPU: a fence on the requester itself); p50 / p99 in "
          "microseconds, ratio = emulator p50 / %s p50:" % REFERENCE)
    hdr = "%-6s %-9s %5s" % ("kind", "mode", "vCPUs") + "".join(
        " %24s" % e for e in emulators)
    print(hdr)
    print("-" * len(hdr))
    for k in kinds:
        for m in modes:
            for v in vcpus_list:
                key_mode, t = (m, v - 1) if v > 1 else ("none", 0)
                if v == 1 and m != modes[0]:
                    continue
                ref = by.get((REFERENCE, v, k, key_mode, t))
                line = "%-6s %-9s %5d" % (k, key_mode, v)
                for e in emulators:
                    r = by.get((e, v, k, key_mode, t))
                    if not r:
                        line += " %24s" % "-"
                        continue
                    txt = "%s / %s" % (us(r["p50_us"]), us(r["p99_us"]))
                    if e != REFERENCE and ref and ref["p50_us"] > 0:
                        txt += " (%s)" % times(r["p50_us"] / ref["p50_us"])
                    line += " %24s" % txt
                print(line)


def headline(rows, emulators):
    """Page fence, 3 busy targets, 4 vCPUs: each emulator against tlbstorm."""
    by = {(r["emulator"], r["vcpus"], r["kind"], r["mode"], r["targets"]): r for r in rows}
    ref = by.get((REFERENCE, 4, "page", "busy", 3))
    if not ref:
        return None
    out = {"cell": "kind=page mode=busy targets=3 vcpus=4", REFERENCE: ref, "ratios": {}}
    print("\nHeadline: remote sfence.vma of one page, 3 busy targets, 4 vCPUs")
    for e in emulators:
        r = by.get((e, 4, "page", "busy", 3))
        if not r:
            continue
        line = "  %-20s n=%-4d p50 %10s us  p99 %10s us  mean %10s us  peer ops/ms %8.1f" % (
            e, r["n"], us(r["p50_us"]), us(r["p99_us"]), us(r["mean_us"]),
            r["peer_ops_per_ms"])
        if e != REFERENCE:
            rat = {k: r[k + "_us"] / ref[k + "_us"] if ref[k + "_us"] > 0 else None
                   for k in ("p50", "p99", "mean")}
            out["ratios"][e] = rat
            line += "  -> %s / %s: p50 %s, p99 %s, mean %s" % (
                e, REFERENCE, times(rat["p50"]), times(rat["p99"]), times(rat["mean"]))
        print(line)
    if "qemu" in out["ratios"]:
        r = out["ratios"]["qemu"]["p50"] or 0
        print("  target (QEMU + OpenSBI >= 50x slower than tlbstorm at p50): %s (%s)"
              % ("met" if r >= 50 else "NOT met", times(r)))
    return out


# ---------------------------------------------------------------------------- main

def read_csv_rows(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            for k in ("vcpus", "targets", "n", "mean_cycles"):
                r[k] = int(r[k])
            for k in ("p50_us", "p90_us", "p99_us", "max_us", "min_us", "mean_us",
                      "shootdowns_per_s", "peer_ops_per_ms"):
                r[k] = float(r[k]) if r[k] != "" else None
            rows.append(r)
    return rows


def replot(args):
    out = os.path.abspath(args.out)
    gnuplot = find_executable(args.gnuplot)
    if not gnuplot:
        log("error: %s not found: install gnuplot (Debian: gnuplot-nox)" % args.gnuplot)
        return 2
    try:
        with open(os.path.join(out, "shootdown_sweep.json")) as f:
            doc = json.load(f)
        rows = read_csv_rows(os.path.join(out, "shootdown_sweep.csv"))
    except (OSError, ValueError, KeyError) as e:
        log("error: %s has no readable sweep: %s" % (out, e))
        return 2
    modes = re.search(r"modes=(\S+)", doc["guest_bootargs"]).group(1).split(",")
    note = " (%s)" % doc["timestamp"][:10]
    try:
        pngs = write_plots(out, gnuplot, rows, doc["emulators"], modes, args.plot_kind,
                           doc["vcpus"], note)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        log("error: %s" % e)
        return 1
    print("plots: " + ", ".join(os.path.join(out, p) for p in pngs))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--tlbstorm", default=os.path.join(REPO_DIR, "build", "tlbstorm"))
    ap.add_argument("--qemu", default="qemu-system-riscv64",
                    help="qemu-system-riscv64 (path or name on PATH); skipped with a warning "
                         "if missing")
    ap.add_argument("--firmware", default=FW_JUMP,
                    help="OpenSBI fw_jump for the qemu and tlbstorm-opensbi runs "
                         "(default: %(default)s)")
    ap.add_argument("--guest", default=os.path.join(REPO_DIR, "build", "guests",
                                                    "flushlat.elf"))
    ap.add_argument("--gnuplot", default="gnuplot")
    ap.add_argument("--out", default="shootdown-sweep", help="output directory")
    ap.add_argument("--quick", action="store_true",
                    help="small samples, 1-4 vCPUs, page and all fences: a smoke run")
    ap.add_argument("--emulators", default=",".join(DEFAULT_EMULATORS),
                    help="comma-separated, from: " + ", ".join(EMULATORS))
    ap.add_argument("--vcpus", help="comma-separated vCPU counts (default 1,2,4,8)")
    ap.add_argument("--kinds", help="fence kinds (default page,range,asid,all; also fence_i)")
    ap.add_argument("--modes", help="target modes (default busy,idle,flushing)")
    ap.add_argument("--targets", help="target counts (default 1,3,7,all)")
    ap.add_argument("--samples", type=int, help="timed fences per cell (default 500)")
    ap.add_argument("--cell-ms", type=int,
                    help="time cap per cell in ms, at least 10 samples anyway (default 5000)")
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--gap-us", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, help="seconds per emulator run (default 900)")
    ap.add_argument("--plot-kind", default="page", help="fence kind the plots show")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--replot", action="store_true",
                    help="run nothing: redraw the plots of --out from its CSV and JSON")
    args = ap.parse_args()
    if args.replot:
        return replot(args)

    preset = QUICK if args.quick else FULL
    for k, v in preset.items():
        if getattr(args, k, None) is None:
            setattr(args, k, v)
    vcpus_list = [int(x) for x in args.vcpus.split(",")]
    kinds, modes = args.kinds.split(","), args.modes.split(",")
    emulators = [e for e in args.emulators.split(",") if e]
    notes, failures = [], []

    # -- what is installed
    bad = [e for e in emulators if e not in EMULATORS]
    if bad:
        log("error: unknown emulator %s (choose from %s)" % (", ".join(bad),
                                                            ", ".join(EMULATORS)))
        return 2
    paths = {"tlbstorm": find_executable(args.tlbstorm), "qemu": find_executable(args.qemu)}
    if any(EMULATORS[e][0] == "tlbstorm" for e in emulators) and not paths["tlbstorm"]:
        log("error: tlbstorm not found at %s (build first: scripts/build.sh)" % args.tlbstorm)
        return 2
    if not os.path.isfile(args.guest):
        log("error: guest %s not found (build first: scripts/build.sh)" % args.guest)
        return 2
    if "qemu" in emulators and not paths["qemu"]:
        msg = ("WARNING: %s not found: the qemu column is skipped (install qemu-system-misc)"
               % args.qemu)
        log(msg)
        notes.append(msg)
        emulators.remove("qemu")
    if any(EMULATORS[e][2] for e in emulators) and not os.path.isfile(args.firmware):
        log("error: OpenSBI firmware %s not found (install opensbi, or pass --firmware)"
            % args.firmware)
        return 2
    gnuplot = None if args.no_plots else find_executable(args.gnuplot)
    if not args.no_plots and not gnuplot:
        log("error: %s not found: install gnuplot (Debian: gnuplot-nox) or pass --no-plots"
            % args.gnuplot)
        return 2
    if not emulators:
        log("error: no emulator left to run")
        return 2

    out = os.path.abspath(args.out)
    os.makedirs(os.path.join(out, "logs"), exist_ok=True)
    versions = {}
    for e in emulators:
        b = EMULATORS[e][0]
        if b not in versions:
            versions[b] = query_version(paths[b])
    append = ("samples=%d cell_ms=%d warmup=%d gap_us=%d seed=%d kinds=%s modes=%s targets=%s"
              % (args.samples, args.cell_ms, args.warmup, args.gap_us, args.seed, args.kinds,
                 args.modes, args.targets))
    log("shootdown sweep: %s; vCPUs %s; guest args: %s" % (", ".join(emulators),
                                                          args.vcpus, append))

    # -- runs: emulators take turns at each vCPU count
    rows, runs = [], []
    started = time.monotonic()
    try:
        load_start = list(os.getloadavg())
    except OSError:
        load_start = None
    cpu_start = cpu_snapshot()
    for i, v in enumerate(vcpus_list):
        order = emulators if i % 2 == 0 else emulators[::-1]
        for e in order:
            cmd = emulator_command(e, paths, v, args.guest, append, args.firmware)
            a = cpu_snapshot()
            res = run_once(cmd, args.timeout)
            load = other_cpu_load(a, cpu_snapshot())
            text = res["stdout"] + res["stderr"]
            logname = os.path.join(out, "logs", "%s-smp%d.log" % (e, v))
            with open(logname, "w") as f:
                f.write("$ %s\n%s" % (" ".join(map(shlex.quote, cmd)), text))
            status = run_status(res, text)
            cells = parse_cells(res["stdout"])
            missing = expected_cells(v, kinds, modes, args.targets.split(",")) - \
                {(c["kind"], c["mode"], c["targets"]) for c in cells}
            if status == "ok" and missing:
                status = "incomplete"
            fw = re.search(r"OpenSBI (v[0-9.]+)", text)
            if fw:
                versions["opensbi"] = fw.group(1)
            runs.append({"emulator": e, "vcpus": v, "status": status,
                         "wall_s": res["seconds"], "cells": len(cells),
                         "host_other_load": load, "command": cmd,
                         "log": os.path.relpath(logname, out)})
            log("%-20s %d vCPUs: %-10s %3d cells in %6.1f s%s" % (
                e, v, status, len(cells), res["seconds"],
                "" if load is None else ", other load %.0f%%" % (100 * load)))
            if status != "ok":
                fail_line = next((l for l in text.splitlines() if "FAIL" in l), "")
                failures.append("%s at %d vCPUs: %s%s (log: %s)" % (
                    e, v, status, ": " + fail_line.strip() if fail_line else "", logname))
            for c in cells:
                rows.append({
                    "emulator": e, "vcpus": v, "kind": c["kind"], "mode": c["mode"],
                    "targets": c["targets"], "n": c["n"], "p50_us": c["p50_us"],
                    "p90_us": c["p90_us"], "p99_us": c["p99_us"], "max_us": c["max_us"],
                    "min_us": c["min_us"], "mean_us": c["mean_us"],
                    "shootdowns_per_s": 1e6 / c["mean_us"] if c["mean_us"] > 0 else None,
                    "mean_cycles": c["mean_cycles"], "peer_ops_per_ms": c["peer_ops_per_ms"],
                    "run_status": status, "run_wall_s": round(res["seconds"], 3),
                    "host_other_load": None if load is None else round(load, 3)})
    other = other_cpu_load(cpu_start, cpu_snapshot())
    if other is not None and other > 0.10:
        notes.append("other processes used %.0f%% of the host's CPU time during the sweep; "
                     "numbers may be noisy" % (100 * other))

    csv_path = os.path.join(out, "shootdown_sweep.csv")
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("%.6g" % r[k] if isinstance(r[k], float) else r[k])
                        if r[k] is not None else "" for k in CSV_FIELDS})

    pngs = []
    if gnuplot and rows:
        title_note = " (%s)" % datetime.date.today().isoformat()
        try:
            pngs = write_plots(out, gnuplot, rows, emulators, modes, args.plot_kind,
                               vcpus_list, title_note)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as ex:
            failures.append(str(ex))

    # -- report
    host = host_info()
    host["loadavg_at_start"] = load_start
    host["other_cpu_load"] = other
    print("tlbstorm shootdown sweep  %s" % datetime.datetime.now().isoformat(
        timespec="seconds"))
    print("host: %s, %s CPUs usable, Linux %s" % (host["cpu_model"], host["nproc"],
                                                 host["kernel"]))
    for b, ver in versions.items():
        print("%-9s %s" % (b + ":", ver))
    print("guest bootargs: %s" % append)
    print_summary(rows, emulators, modes, kinds, vcpus_list)
    head = headline(rows, emulators)
    print("\nwall time %.0f s; CSV %s%s" % (
        time.monotonic() - started, csv_path,
        "; plots " + ", ".join(os.path.join(out, p) for p in pngs) if pngs else ""))
    for n in notes:
        print("note: %s" % n)
    if failures:
        print("\nFAILURES (%d):" % len(failures))
        for f in failures:
            print("- " + f)

    doc = {"benchmark": "tlbstorm-shootdown-sweep", "schema": 1,
           "timestamp": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "host": host, "versions": versions, "emulators": emulators,
           "labels": {e: EMULATORS[e][3] for e in emulators}, "vcpus": vcpus_list,
           "guest": args.guest, "guest_bootargs": append, "firmware": args.firmware,
           "runs": runs, "headline": head, "notes": notes, "failures": failures,
           "csv": os.path.basename(csv_path), "plots": pngs, "ok": not failures}
    with open(os.path.join(out, "shootdown_sweep.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
