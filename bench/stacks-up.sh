#!/usr/bin/env bash
# Times `up -d --wait` of the bundled Airflow stack (stacks/airflow: 9 services, an init job
# gating 4 Airflow components, healthchecks everywhere) with hoist and with Docker Compose,
# on the same offline stand-in images (tests/e2e/images/build), from nothing to all healthy.
#
# Usage: bench/stacks-up.sh [-n PAIRS] [--no-build]
#   -n PAIRS     timed pairs, run alternately hoist, compose, hoist, ... (default 3)
#   --no-build   reuse target/debug/hoist (or $HOIST_BIN) instead of a release build
# Needs root (the image build), Docker Compose v2.40.3 (tools/install-compose), python3.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pairs=3
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    -n) pairs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [-n PAIRS] [--no-build]" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  (cd "$root" && cargo build --release --locked --quiet)
  hoist="${HOIST_BIN:-$root/target/release/hoist}"
else
  hoist="${HOIST_BIN:-$root/target/debug/hoist}"
fi

while IFS= read -r line; do export "${line?}"; done < <("$root/tests/e2e/images/build" --print)
# Free host ports for every published port of the stack.
read -r AIRFLOW_PORT PGADMIN_PORT POSTGRES_PORT MINIO_API_PORT MINIO_CONSOLE_PORT < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
export AIRFLOW_PORT PGADMIN_PORT POSTGRES_PORT MINIO_API_PORT MINIO_CONSOLE_PORT

work="$(mktemp -d)"
project="hoist-bench-airflow-$$"
cleanup() {
  (cd "$work/airflow" && "$hoist" -p "$project" down -v -t 2) >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$work" && "$hoist" init airflow >/dev/null)

# One timed `up -d --wait` with the given tool ("hoist" or "compose"), then `down -v`.
# Prints the seconds `up` took; fails if `up` failed.
one() {
  local cmd
  if [ "$1" = hoist ]; then cmd=("$hoist"); else cmd=(docker compose); fi
  local t
  t="$(cd "$work/airflow" && python3 - "${cmd[@]}" -p "$project" up -d --wait <<'PY'
import subprocess, sys, time
start = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
took = time.perf_counter() - start
if r.returncode != 0:
    sys.stderr.write(r.stderr[-2000:])
    sys.exit(r.returncode)
print(f"{took:.1f}")
PY
)" || { echo "$1: up -d --wait failed" >&2; return 1; }
  (cd "$work/airflow" && "${cmd[@]}" -p "$project" down -v -t 10) >/dev/null 2>&1
  echo "$t"
}

echo "stacks/airflow, up -d --wait from nothing to healthy; $pairs pairs; $(nproc) cores"
echo "hoist: $("$hoist" version --short)  compose: $(docker compose version --short)"
hs=()
cs=()
for i in $(seq "$pairs"); do
  h="$(one hoist)"
  c="$(one compose)"
  hs+=("$h")
  cs+=("$c")
  printf 'pair %d: hoist %6.1f s   compose %6.1f s\n' "$i" "$h" "$c"
done
python3 - "${hs[*]}" "${cs[*]}" <<'PY'
import statistics, sys
h = [float(x) for x in sys.argv[1].split()]
c = [float(x) for x in sys.argv[2].split()]
print(f"median: hoist {statistics.median(h):.1f} s, compose {statistics.median(c):.1f} s, "
      f"hoist/compose {statistics.median([a / b for a, b in zip(h, c)]):.2f}")
PY
