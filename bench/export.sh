#!/usr/bin/env bash
# Headless export vs kcat on one in-process Kafka, at 100,000, 1,000,000
# and 5,000,000 records of ~200 B JSON in 3 partitions, snappy-compressed
# in batches of 5,000 (as producers with compression write them): JSONL vs
# kcat -C -e -J, raw values vs kcat -C -e and vs kcat -C -e -X
# fetch.wait.max.ms=10; rates and peak RSS (/usr/bin/time -v), mqscope and
# kcat alternated, -rounds rounds (default 3); one table row per measure
# and size (min / median / max, ratio of the medians, goal), and how peak
# RSS grows from the smallest size to the largest. Needs kcat (apt-get
# install kcat). Flags go to bench/export (-sizes 100000,1000000,5000000,
# -n N for one size, -size B, -compression snappy|lz4|zstd|gzip|none,
# -batch N, -rounds R, -out FILE, -cpuprofile FILE, -before BIN: an
# earlier mqscope binary whose raw and JSONL exports run beside the current
# one's).
# Isolated: kfake on a port the OS picks (in the bench program, not in the
# measured processes), topics and a temporary directory of its own
# (mqscope's log too), all gone on exit; two runs may share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v kcat >/dev/null || bench_die "kcat is needed (apt-get install kcat)"
bench_need_time
bench_build
bench_build_tool export
bench_own_state
bench_run "$bench_tool" -mqscope "$bench_bin" -topic "bench-$bench_id" "$@"
