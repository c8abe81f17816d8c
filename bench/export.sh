#!/usr/bin/env bash
# Headless export vs kcat on one in-process Kafka: JSONL vs kcat -J, raw
# values vs kcat -C -e; rates and peak RSS. Needs kcat (apt-get install kcat).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kcat >/dev/null || { echo "bench/export.sh: kcat is needed (apt-get install kcat)" >&2; exit 1; }
go build -o /tmp/mqscope-bench .
go run ./bench/export -mqscope /tmp/mqscope-bench "$@"
