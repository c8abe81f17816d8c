#!/usr/bin/env bash
# Headless export vs kcat on one in-process Kafka: JSONL vs kcat -J, raw
# values vs kcat -C -e (also with -X fetch.wait.max.ms=10); rates and peak
# RSS (/usr/bin/time -v). Needs kcat (apt-get install kcat). Flags go to
# bench/export (-n, -size, -runs, -out FILE, -cpuprofile).
# Isolated: kfake on a port the OS picks, a topic and a temporary
# directory of its own (mqscope's log too), all gone on exit; two runs may share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v kcat >/dev/null || bench_die "kcat is needed (apt-get install kcat)"
bench_need_time
bench_build
bench_build_tool export
bench_own_state
bench_run "$bench_tool" -mqscope "$bench_bin" -topic "bench-$bench_id" "$@"
