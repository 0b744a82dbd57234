#!/usr/bin/env python3
"""Seeded run campaigns: configurations x repetitions of a guest, run by GNU parallel on one
machine or many, each run judged and classified, summarised as a table and a plot.

  campaign.py plan CAMPAIGN.toml [--emulator PATH]          print the jobs, one command a line
  campaign.py run CAMPAIGN.toml --out DIR [--jobs N] [--sshlogin S | --sshloginfile F]
                [--resume] [--emulator PATH] [--limit N]   run (or resume) them, then report
  campaign.py one --id ID ... -- EMULATOR ARGS...           one run (what each job executes)
  campaign.py report DIR                                    summary.md/.json/.csv, plot, logs

A campaign file (TOML) names guests, a matrix of configurations and a repetition count; see
docs/measuring.md ("Campaigns") and bench/campaign/*.toml. `run` writes DIR/jobs.txt, runs it
with `parallel --joblog DIR/joblog --resume`, appends one JSON line a finished run to
DIR/results.jsonl and writes the report. Killed, it resumes where it stopped with --resume
(jobs already in the joblog are not run again). Every machine of --sshlogin/--sshloginfile
must have the same checkout, built, at the same absolute path (parallel --workdir).

Outcome classes: pass; guest-fail (the guest's own verdict: tlbtorture FAIL or violations,
tlbshoot FAIL); guest-panic (a Linux panic, oops or BUG); emulator-crash (killed by a signal,
a sanitizer report, an assertion); emulator-error (a tlbstorm error line and status 1); hang
(still running at the campaign's timeout, killed); unknown (anything else)."""
import argparse
import csv
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
MATRIX_KEYS = ('guest', 'smp', 'jit', 'run_slots', 'flush', 'firmware')
CLASSES = ('pass', 'guest-fail', 'guest-panic', 'emulator-crash', 'emulator-error', 'hang',
           'unknown')
LOG_TAIL_LINES = 400


# ---- campaign files -----------------------------------------------------------------------

class CampaignError(Exception):
    pass


def expand_path(value):
    """$VARS (TLBSTORM_LINUX_CACHE defaults to bench/linux's cache, TLBSTORM_BUILD to the
    build/ directory), then relative to the repository root."""
    env = dict(os.environ)
    env.setdefault('TLBSTORM_LINUX_CACHE', os.path.expanduser('~/.cache/tlbstorm-linux'))
    env.setdefault('TLBSTORM_BUILD', os.path.join(ROOT, 'build'))
    value = re.sub(r'\$\{(\w+)\}|\$(\w+)',
                   lambda m: env.get(m.group(1) or m.group(2), m.group(0)), value)
    return value if os.path.isabs(value) else os.path.join(ROOT, value)


def load_campaign(path):
    with open(path, 'rb') as f:
        try:
            doc = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise CampaignError(f'{path}: {e}')
    for key in ('name', 'guests', 'matrix'):
        if key not in doc:
            raise CampaignError(f'{path}: missing "{key}"')
    matrix = doc['matrix']
    unknown = set(matrix) - set(MATRIX_KEYS) - {'repeat', 'seed_base'}
    if unknown:
        raise CampaignError(f'{path}: [matrix] has unknown keys {sorted(unknown)}')
    for name in matrix.get('guest', []):
        if name not in doc['guests']:
            raise CampaignError(f'{path}: [matrix] guest "{name}" has no [guests.{name}]')
    for name, g in doc['guests'].items():
        if g.get('kind') not in ('tlbtorture', 'tlbshoot', 'exit-status'):
            raise CampaignError(f'{path}: [guests.{name}] kind must be tlbtorture, tlbshoot '
                                f'or exit-status')
        if 'kernel' not in g:
            raise CampaignError(f'{path}: [guests.{name}] needs kernel')
    if int(matrix.get('repeat', 1)) < 1:
        raise CampaignError(f'{path}: [matrix] repeat must be at least 1')
    return doc


def configurations(doc):
    """Every combination of the matrix, as dicts with all MATRIX_KEYS."""
    m = doc['matrix']
    defaults = {'smp': [2], 'jit': ['on'], 'run_slots': ['auto'], 'flush': ['mailbox'],
                'firmware': ['builtin']}
    axes = [[(k, v) for v in m.get(k, defaults.get(k, []))] for k in MATRIX_KEYS]
    for combo in itertools.product(*axes):
        yield dict(combo)


def config_name(c):
    return (f"{c['guest']}-smp{c['smp']}-jit{c['jit']}-slots{c['run_slots']}-{c['flush']}-"
            f"{c['firmware']}")


def command(doc, c, seed, emulator):
    g = doc['guests'][c['guest']]
    cmd = [emulator, '-M', 'virt', '-smp', str(c['smp']), '-m', str(g.get('memory', '256M')),
           '-nographic', '--no-progress', '--jit=' + str(c['jit']),
           '--run-slots=' + str(c['run_slots']), '--flush=' + str(c['flush'])]
    if c['firmware'] == 'opensbi':
        cmd += ['-bios', FW_JUMP]
    elif c['firmware'] == 'none':
        cmd += ['-bios', 'none']          # a bare-metal M-mode guest
    elif c['firmware'] != 'builtin':
        cmd += ['-bios', expand_path(c['firmware'])]
    cmd += ['-kernel', expand_path(g['kernel'])]
    if 'initrd' in g:
        cmd += ['-initrd', expand_path(g['initrd'])]
    if 'append' in g:
        cmd += ['-append', g['append'].format(seed=seed)]
    cmd += [str(a) for a in g.get('extra_args', [])]
    return cmd


def jobs(doc, emulator):
    """(id, config name, kind, seed, command) for every run."""
    repeat = int(doc['matrix'].get('repeat', 1))
    base = int(doc['matrix'].get('seed_base', 1))
    for c in configurations(doc):
        name = config_name(c)
        guest = doc['guests'][c['guest']]
        kind = guest['kind']
        timeout = float(guest.get('timeout', doc.get('timeout', 120)))
        for i in range(repeat):
            seed = base + i
            yield {'id': f'{name}-s{seed}', 'config': name, 'kind': kind, 'seed': seed,
                   'timeout': timeout, 'cmd': command(doc, c, seed, emulator)}


def job_line(job):
    """The shell command parallel runs for one job."""
    return ' '.join(shlex.quote(a) for a in
                    [os.path.join(HERE, 'campaign.py'), 'one', '--id', job['id'],
                     '--config', job['config'], '--kind', job['kind'],
                     '--seed', str(job['seed']), '--timeout', str(job['timeout']), '--']
                    + job['cmd'])


# ---- one run --------------------------------------------------------------------------------

PANIC = re.compile(r'Kernel panic|Oops[:\[ ]|\bBUG: |Unable to handle kernel')
CRASH = re.compile(r'ERROR: AddressSanitizer|ERROR: LeakSanitizer|WARNING: ThreadSanitizer|'
                   r'runtime error: |Assertion .* failed|tlbstorm: internal error')
TT_SUMMARY = re.compile(r'tlbtorture: checks=(\d+) changes=(\d+) violations=(\d+)')
TT_FENCE = re.compile(r'^(page|range|asid|all)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)',
                      re.MULTILINE)
TS_LOOP = re.compile(r'^tlbshoot: (\w+)\s+\d+ cpus\s+\d+ ops\s+([0-9.]+) us/op', re.MULTILINE)
TS_DONE = re.compile(r'tlbshoot: (PASS|FAIL) \(([0-9.]+) s after boot\)')


def judge(kind, status, out):
    """(class, guest verdict, figures) of a finished run."""
    figures = {}
    verdict = None
    if kind == 'tlbtorture':
        m = TT_SUMMARY.search(out)
        if m:
            checks, changes, violations = map(int, m.groups())
            figures.update(checks=checks, changes=changes, violations=violations)
        for f in TT_FENCE.finditer(out):
            figures[f'rfence_{f.group(1)}_p50_us'] = float(f.group(4))
        if 'tlbtorture: PASS' in out and m and not figures['violations']:
            verdict = 'PASS'
        elif 'tlbtorture: FAIL' in out or (m and figures['violations']):
            verdict = 'FAIL'
    elif kind == 'tlbshoot':
        for f in TS_LOOP.finditer(out):
            figures[f'{f.group(1)}_us'] = float(f.group(2))
        m = TS_DONE.search(out)
        if m:
            verdict = m.group(1)
            figures['boot_to_done_s'] = float(m.group(2))
        elif 'tlbshoot: FAIL' in out:
            verdict = 'FAIL'
    else:
        verdict = 'PASS' if status == 0 else None

    if status < 0 or CRASH.search(out):
        cls = 'emulator-crash'
    elif PANIC.search(out):
        cls = 'guest-panic'
    elif verdict == 'FAIL':
        cls = 'guest-fail'
    elif verdict == 'PASS' and status == 0:
        cls = 'pass'
    elif status == 1 and re.search(r'^tlbstorm: ', out, re.MULTILINE) and \
            'tlbstorm: terminating' not in out:
        cls = 'emulator-error'
    else:
        cls = 'unknown'
    return cls, verdict, figures


def cmd_one(args):
    cmd = args.cmd
    if cmd and cmd[0] == '--':
        cmd = cmd[1:]
    if not cmd:
        print('campaign: one: no command after --', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix='campaign-') as tmp:
        stats_path = os.path.join(tmp, 'stats.json')
        full = cmd + ['--stats=' + stats_path]
        t0 = time.monotonic()
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
        hung = False
        try:
            raw, _ = p.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(p.pid, signal.SIGKILL)
            raw, _ = p.communicate()
        wall = time.monotonic() - t0
        out = raw.decode(errors='replace').replace('\r', '')
        stats = None
        try:
            with open(stats_path) as f:
                stats = json.load(f)
        except (OSError, ValueError):
            pass
    if hung:
        cls, verdict, figures = 'hang', None, {}
    else:
        cls, verdict, figures = judge(args.kind, p.returncode, out)
    figures['wall_s'] = round(wall, 3)
    if stats:
        page = stats.get('requests', {}).get('page', {}).get('latency_ns', {})
        if page.get('count'):
            figures['flush_page_p99_ns'] = page.get('p99')
        figures['tlb_fills'] = stats.get('tlb', {}).get('fills')
    result = {'id': args.id, 'config': args.config, 'seed': args.seed, 'kind': args.kind,
              'class': cls, 'status': None if hung else p.returncode, 'verdict': verdict,
              'figures': figures, 'host': os.uname().nodename, 'cmd': shlex.join(cmd),
              'stats': stats}
    if cls != 'pass':
        result['log_tail'] = '\n'.join(out.splitlines()[-LOG_TAIL_LINES:])
    print(json.dumps(result, separators=(',', ':')), flush=True)
    return 0


# ---- running a campaign ------------------------------------------------------------------

def cmd_plan(args):
    doc = load_campaign(args.campaign)
    for job in jobs(doc, os.path.abspath(args.emulator)):
        print(job_line(job))
    return 0


def cmd_run(args):
    doc = load_campaign(args.campaign)
    if not shutil.which('parallel'):
        print('campaign: GNU parallel is not installed (apt-get install parallel)',
              file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    lines = [job_line(j) for j in jobs(doc, os.path.abspath(args.emulator))]
    if args.limit:
        lines = lines[:args.limit]
    jobs_path = os.path.join(args.out, 'jobs.txt')
    joblog = os.path.join(args.out, 'joblog')
    text = '\n'.join(lines) + '\n'
    if args.resume:
        # parallel --resume identifies jobs by their line number: the list must not change.
        old = None
        if os.path.exists(jobs_path):
            with open(jobs_path) as f:
                old = f.read()
        if old != text:
            print(f'campaign: {args.out} holds no run of this campaign as it is now; '
                  f'--resume needs the same jobs (or drop --resume to start over)',
                  file=sys.stderr)
            return 2
    else:
        for stale in (joblog, os.path.join(args.out, 'results.jsonl')):
            if os.path.exists(stale):
                os.unlink(stale)
    with open(jobs_path, 'w') as f:
        f.write(text)
    par = ['parallel', '--will-cite', '--joblog', joblog, '--workdir', ROOT,
           '--halt', 'never']
    if args.resume:
        par.append('--resume')
    if args.sshloginfile:
        par += ['--sshloginfile', args.sshloginfile]
    elif args.sshlogin:
        for s in args.sshlogin:
            par += ['--sshlogin', s]
    else:
        par += ['--jobs', str(args.jobs or os.cpu_count() or 1)]
    par += ['--arg-file', jobs_path]
    print(f'campaign: {doc["name"]}: {len(lines)} runs into {args.out}', file=sys.stderr)
    with open(os.path.join(args.out, 'results.jsonl'), 'ab') as results:
        rc = subprocess.call(par, stdout=results, cwd=ROOT)
    report(args.out, doc)
    return 0 if rc == 0 else 1


# ---- report -----------------------------------------------------------------------------

def read_results(out):
    """The last result of each run id (a resumed campaign may have printed one twice)."""
    by_id = {}
    path = os.path.join(out, 'results.jsonl')
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith('{'):
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue     # a line cut by a kill
                    by_id[r['id']] = r
    return list(by_id.values())


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def report(out, doc=None):
    results = read_results(out)
    keep = int(doc.get('keep_logs', 5)) if doc else 5
    configs = {}
    for r in results:
        configs.setdefault(r['config'], []).append(r)
    figure_names = sorted({k for r in results for k in r['figures']})
    rows = []
    for name in sorted(configs):
        rs = configs[name]
        row = {'config': name, 'runs': len(rs)}
        for cls in CLASSES:
            row[cls] = sum(1 for r in rs if r['class'] == cls)
        row['failures'] = row['runs'] - row['pass']
        for fig in figure_names:
            row['median_' + fig] = median([r['figures'].get(fig) for r in rs])
        rows.append(row)
    total = {'config': 'all', 'runs': len(results)}
    for cls in CLASSES:
        total[cls] = sum(1 for r in results if r['class'] == cls)
    total['failures'] = total['runs'] - total['pass']

    # Failure logs: the first `keep` of each class, with the command that replays the run.
    logdir = os.path.join(out, 'failures')
    if os.path.isdir(logdir):
        shutil.rmtree(logdir)
    kept = {}
    for r in sorted(results, key=lambda r: r['id']):
        if r['class'] == 'pass' or kept.get(r['class'], 0) >= keep:
            continue
        kept[r['class']] = kept.get(r['class'], 0) + 1
        os.makedirs(logdir, exist_ok=True)
        with open(os.path.join(logdir, f"{r['class']}-{r['id']}.log"), 'w') as f:
            f.write(f"# {r['id']}: class {r['class']}, status {r['status']}, host {r['host']}\n")
            f.write(f"# replay: {r['cmd']}\n")
            f.write(r.get('log_tail', '') + '\n')

    shown = [f for f in figure_names if f in ('checks', 'rfence_page_p50_us',
                                               'flush_page_p99_ns', 'mprotect_us',
                                               'munmap_us', 'madvise_us', 'wall_s')]
    with open(os.path.join(out, 'summary.md'), 'w') as f:
        head = ['configuration', 'runs', 'failures'] + \
            [c for c in CLASSES if c != 'pass'] + ['median ' + s for s in shown]
        f.write('| ' + ' | '.join(head) + ' |\n|' + '---|' * len(head) + '\n')
        for row in rows + [total]:
            cells = [row['config'], row['runs'], row['failures']] + \
                [row[c] for c in CLASSES if c != 'pass'] + \
                [fmt(row.get('median_' + s)) for s in shown]
            f.write('| ' + ' | '.join(str(c) for c in cells) + ' |\n')
    with open(os.path.join(out, 'summary.json'), 'w') as f:
        json.dump({'campaign': doc.get('name') if doc else None, 'total': total,
                   'configurations': rows, 'kept_logs': kept}, f, indent=1)
    with open(os.path.join(out, 'summary.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ['config'])
        w.writeheader()
        for row in rows:
            w.writerow(row)
    plot(out, rows)
    print(f'campaign: {total["runs"]} runs, {total["failures"]} failures '
          f'({", ".join(f"{c} {total[c]}" for c in CLASSES if c != "pass" and total[c])})'
          f' -> {os.path.join(out, "summary.md")}', file=sys.stderr)
    return total


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, float):
        return f'{v:.3g}' if v < 1000 else f'{v:.0f}'
    return str(v)


def short_labels(names):
    """Configuration names without the parts every configuration shares (the guest name when
    there is one guest, "mailbox" when no other strategy runs), for plot axes."""
    split = [n.split('-') for n in names]
    common = set(split[0]).intersection(*split[1:]) if len(split) > 1 else set()
    return ['-'.join(p for p in parts if p not in common) or name
            for parts, name in zip(split, names)]


def plot(out, rows):
    """Failed runs and median wall time per configuration, two panels (PNG, when gnuplot is
    installed)."""
    gnuplot = shutil.which('gnuplot')
    if not gnuplot or not rows:
        return
    data = os.path.join(out, 'plot.dat')
    labels = short_labels([row['config'] for row in rows])
    with open(data, 'w') as f:
        for i, (row, label) in enumerate(zip(rows, labels)):
            f.write(f"{i} \"{label}\" {row['failures']} {row.get('median_wall_s') or 0} "
                    f"{row['runs']}\n")
    runs = sum(row['runs'] for row in rows)
    fails = sum(row['failures'] for row in rows)
    script = f"""
set terminal pngcairo size {max(900, 36 * len(rows))},700
set output '{os.path.join(out, 'summary.png')}'
set multiplot layout 2,1 title 'campaign: {runs} runs, {fails} failed'
set style fill solid 0.7
set boxwidth 0.6
set grid ytics
set xrange [-0.5:{len(rows) - 0.5}]
set lmargin 10
set rmargin 8
set xtics 1
set ylabel 'failed runs'
set yrange [0:*]
set format x ''
unset key
plot '{data}' using 1:3 with boxes lc rgb '#c0392b'
set ylabel 'median wall s'
set bmargin 9
set format x '%g'
set xtics rotate by -50 font ',8' noenhanced
plot '{data}' using 1:4:xtic(2) with boxes lc rgb '#2e86c1'
unset multiplot
"""
    subprocess.run([gnuplot], input=script.encode(), check=False,
                   stderr=subprocess.DEVNULL)


def cmd_report(args):
    doc = load_campaign(args.campaign) if args.campaign else None
    report(args.out, doc)
    return 0


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)    # `plan | head` ends quietly
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='what', required=True)
    p = sub.add_parser('plan')
    p.add_argument('campaign')
    p.add_argument('--emulator', default=os.path.join(ROOT, 'build/tlbstorm'))
    p = sub.add_parser('run')
    p.add_argument('campaign')
    p.add_argument('--out', required=True)
    p.add_argument('--jobs', type=int, default=None, help='parallel jobs on this machine')
    p.add_argument('--sshlogin', action='append', help='as parallel --sshlogin (repeatable)')
    p.add_argument('--sshloginfile', help='as parallel --sshloginfile')
    p.add_argument('--resume', action='store_true', help='skip runs already in the joblog')
    p.add_argument('--limit', type=int, default=0, help='only the first N runs')
    p.add_argument('--emulator', default=os.path.join(ROOT, 'build/tlbstorm'))
    p = sub.add_parser('one')
    p.add_argument('--id', required=True)
    p.add_argument('--config', required=True)
    p.add_argument('--kind', required=True, choices=('tlbtorture', 'tlbshoot', 'exit-status'))
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--timeout', type=float, default=120.0)
    p.add_argument('cmd', nargs=argparse.REMAINDER)
    p = sub.add_parser('report')
    p.add_argument('out')
    p.add_argument('--campaign', default=None)
    args = ap.parse_args()
    try:
        return {'plan': cmd_plan, 'run': cmd_run, 'one': cmd_one,
                'report': cmd_report}[args.what](args)
    except CampaignError as e:
        print(f'campaign: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
