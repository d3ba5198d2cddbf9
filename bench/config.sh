#!/usr/bin/env bash
# Times `hoist config` against `docker compose config` (v2.40.3) on the largest corpus cases and
# on an Airflow-sized compose file. See bench/README.md.
#
# Usage: bench/config.sh [-n RUNS] [-k CASES] [--no-build] [--hyperfine]
#   -n RUNS      timed pairs per target (default 20, after 3 warm-up pairs)
#   -k CASES     how many of the largest corpus cases to time (default 3)
#   --no-build   don't run `cargo build --release` (use $HOIST_BIN or target/release/hoist)
#   --hyperfine  also run hyperfine on each target, when it is installed
# Environment: HOIST_BIN (hoist binary), HOIST_COMPOSE_BIN (a docker-compose binary; default
# `docker compose`), HOIST_CORPUS_DIR (default ../shared/corpus/cases next to the repository).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=20
top=3
build=1
use_hyperfine=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -n) runs="$2"; shift 2 ;;
    -k) top="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --hyperfine) use_hyperfine=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  echo "building hoist (release)..." >&2
  (cd "$repo" && cargo build --release --locked --quiet)
fi
hoist="${HOIST_BIN:-$repo/target/release/hoist}"
[ -x "$hoist" ] || { echo "no hoist binary at $hoist (build it, or set HOIST_BIN)" >&2; exit 1; }

if [ -n "${HOIST_COMPOSE_BIN:-}" ]; then
  compose=("$HOIST_COMPOSE_BIN")
else
  compose=(docker compose)
fi
version="$("${compose[@]}" version --short 2>/dev/null || true)"
case "$version" in
  2.40.3|v2.40.3) ;;
  *) echo "need Docker Compose v2.40.3 (tools/install-compose), found '${version}'" >&2; exit 1 ;;
esac

corpus="${HOIST_CORPUS_DIR:-$repo/../shared/corpus/cases}"
if [ ! -d "$corpus" ]; then
  echo "warning: no corpus at $corpus: timing only the Airflow fixture" >&2
  corpus=""
fi

if [ "$use_hyperfine" = 1 ] && ! command -v hyperfine >/dev/null 2>&1; then
  echo "warning: --hyperfine given but hyperfine is not installed (apt-get install hyperfine)" >&2
  use_hyperfine=0
fi

export BENCH_RUNS="$runs" BENCH_TOP="$top" BENCH_CORPUS="$corpus" BENCH_HOIST="$hoist" \
  BENCH_HYPERFINE="$use_hyperfine" BENCH_AIRFLOW="$repo/bench/fixtures/airflow"
exec python3 - "${compose[@]}" <<'PY'
"""Alternating A,B timing loop; prints medians and the median of pair-by-pair ratios."""
import os
import statistics
import subprocess
import sys
import time

COMPOSE = sys.argv[1:]
RUNS = int(os.environ["BENCH_RUNS"])
TOP = int(os.environ["BENCH_TOP"])
CORPUS = os.environ["BENCH_CORPUS"]
HOIST = os.environ["BENCH_HOIST"]
WARMUP = 3
# The environment the corpus was recorded with: only PATH and HOME.
ENV = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
if "DOCKER_CONFIG" in os.environ:  # only says where the compose plugin lives
    ENV["DOCKER_CONFIG"] = os.environ["DOCKER_CONFIG"]


def compose_bytes(case_dir):
    total = 0
    for root, _, files in os.walk(case_dir):
        total += sum(os.path.getsize(os.path.join(root, f))
                     for f in files if f.endswith((".yaml", ".yml")))
    return total


def largest_cases():
    """The TOP successful corpus cases with the most compose-file bytes."""
    if not CORPUS:
        return []
    sized = []
    for name in sorted(os.listdir(CORPUS)):
        d = os.path.join(CORPUS, name)
        try:
            with open(os.path.join(d, "expected.rc")) as f:
                if f.read().strip() != "0":
                    continue
        except OSError:
            continue
        args = []
        if os.path.exists(os.path.join(d, "ARGS")):
            with open(os.path.join(d, "ARGS")) as f:
                args = f.read().split()
        sized.append((compose_bytes(d), name, d, args))
    sized.sort(key=lambda t: (-t[0], t[1]))
    return sized[:TOP]


def run_once(cmd, cwd):
    """Wall time of one run, output discarded."""
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench(label, cwd, args):
    tail = args + ["config", "--format", "json"]
    a_cmd = [HOIST] + tail
    b_cmd = COMPOSE + tail
    outputs = []
    for cmd, who in ((a_cmd, "hoist"), (b_cmd, "compose")):
        p = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, stdin=subprocess.DEVNULL)
        outputs.append(p.stdout)
        if p.returncode != 0:
            first = p.stderr.decode(errors="replace").strip().splitlines()[:1]
            print(f"  note: {who} exits {p.returncode} on {label}: {first[0] if first else ''}",
                  flush=True)
    if outputs[0].strip() != outputs[1].strip():
        print(f"  note: hoist's output differs from compose's on {label}: "
              "the times compare different work", flush=True)
    for _ in range(WARMUP - 1):
        run_once(a_cmd, cwd)
        run_once(b_cmd, cwd)
    a_times, b_times, ratios = [], [], []
    for _ in range(RUNS):
        a = run_once(a_cmd, cwd)
        b = run_once(b_cmd, cwd)
        a_times.append(a)
        b_times.append(b)
        ratios.append(a / b)
    return statistics.median(a_times), statistics.median(b_times), statistics.median(ratios)


def hyperfine(cwd, args):
    tail = " ".join(args + ["config", "--format", "json"])
    subprocess.run(["hyperfine", "-N", "--warmup", str(WARMUP), "--runs", str(RUNS),
                    f"{HOIST} {tail}", f"{' '.join(COMPOSE)} {tail}"], cwd=cwd, env=ENV)


targets = []
for size, name, d, args in largest_cases():
    targets.append((f"{name} ({size} B)", d, args))
airflow = os.environ["BENCH_AIRFLOW"]
targets.append((f"airflow fixture ({compose_bytes(airflow)} B)", airflow, []))

print(f"hoist:   {HOIST}")
print(f"compose: {' '.join(COMPOSE)}")
print(f"{RUNS} alternating pairs per target after {WARMUP} warm-up pairs; times are wall-clock "
      "medians of `config --format json`")
print()
width = max(len(t[0]) for t in targets)
print(f"{'target':<{width}}  {'hoist ms':>9}  {'compose ms':>10}  {'hoist/compose':>13}")
for label, d, args in targets:
    a, b, r = bench(label, d, args)
    print(f"{label:<{width}}  {a * 1000:9.2f}  {b * 1000:10.2f}  {r:13.3f}", flush=True)
    if os.environ.get("BENCH_HYPERFINE") == "1":
        hyperfine(d, args)
PY
