#!/usr/bin/env bash
# mqscope check vs mqscope export of the same records on one in-process
# Kafka: check's time against export's (JSONL to /dev/null) at the first
# size, and check's peak RSS at each size over the same entities (default
# 1,000,000 and 5,000,000 records, 100,000 entities). Flags go to
# bench/check (-n 1000000,5000000, -entities, -size, -runs, -out FILE).
# Isolated: a kfake per size on a port the OS picks, topics and a
# temporary directory of its own (mqscope's log too), all gone on exit;
# two runs may share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_need_time
bench_build
bench_build_tool check
bench_own_state
bench_run "$bench_tool" -mqscope "$bench_bin" -topic "bench-check-$bench_id" "$@"
