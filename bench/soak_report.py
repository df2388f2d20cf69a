#!/usr/bin/env python3
"""The report of a soak run (bench/soak.sh): per rank, resident memory first, last, peak and its
slope; open file descriptors and threads, min and max; the step time's slope over the run; the
step checkpoints left. Slopes are least-squares fits after the first 10% of the run (warm-up).

  soak_report.py SOAK_DIR MINUTES RANKS     prints the table and writes SOAK_DIR/soak.md
"""
import csv, json, os, sys
out, minutes, ranks = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])

def slope(xs, ys):
    n = len(xs)
    if n < 2: return float("nan")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float("nan")

samples = list(csv.DictReader(open(os.path.join(out, "samples.csv"))))
warm = 0.1 * minutes * 60
rows = []
for pid in sorted({s["pid"] for s in samples}):
    mine = [s for s in samples if s["pid"] == pid and float(s["seconds"]) >= warm]
    if len(mine) < 3: continue
    t = [float(s["seconds"]) / 3600 for s in mine]
    rss = [float(s["rss_kib"]) / 1024 for s in mine]
    fds = [int(s["fds"]) for s in mine]
    threads = [int(s["threads"]) for s in mine]
    rows.append((pid, rss[0], rss[-1], max(rss), slope(t, rss), min(fds), max(fds), fds[0], fds[-1],
                 min(threads), max(threads)))

steps = [json.loads(l) for l in open(os.path.join(out, "run", "metrics.jsonl")) if '"ms_per_step"' in l]
last_step = steps[-1]["step"] if steps else 0
kept = [s for s in steps if s["step"] >= 0.1 * last_step]
# Step time against the run's progress, in hours of training (each line is the mean over the
# steps since the previous line).
hours, total, previous = [], 0.0, 0
for s in steps:
    total += s["ms_per_step"] * (s["step"] - previous) / 3.6e6
    previous = s["step"]
    if s["step"] >= 0.1 * last_step: hours.append(total)
ms = [s["ms_per_step"] for s in kept]
checkpoints = sorted(f for f in os.listdir(os.path.join(out, "run")) if f.startswith("step-"))
lines = [
    f"Soak: {minutes:g} min, {ranks} ranks, {last_step} steps; step checkpoints left: {len(checkpoints)} ({', '.join(checkpoints)})",
    "",
    "| rank pid | RSS first -> last (max) MiB | RSS slope MiB/h | fds min-max (first -> last) | threads |",
    "|---|---|---|---|---|",
]
for pid, first, last, peak, rate, fmin, fmax, ffirst, flast, tmin, tmax in rows:
    lines.append(f"| {pid} | {first:.1f} -> {last:.1f} ({peak:.1f}) | {rate:+.2f} | {fmin}-{fmax} ({ffirst} -> {flast}) | {tmin}-{tmax} |")
def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]

if ms:
    tenth = max(1, len(ms) // 10)
    lines += ["", f"Step time: median {median(ms):.1f} ms; median of the first tenth {median(ms[:tenth]):.1f} ms, "
              f"of the last tenth {median(ms[-tenth:]):.1f} ms; slope {slope(hours, ms):+.2f} ms per hour of "
              f"training ({len(ms)} windows)"]
text = "\n".join(lines)
open(os.path.join(out, "soak.md"), "w").write(text + "\n")
print(text)
