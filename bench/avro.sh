#!/usr/bin/env bash
# Decoded Avro export: mqscope's export of Schema Registry-framed Avro
# (--schema-registry) against its raw export (--decode=false) and against
# a node consumer, kafkajs with @kafkajs/confluent-schema-registry
# (bench/avro/peer.js), on one in-process Kafka and Schema Registry
# (kfake and srfake in bench/avro): N records of ~200 B in the Confluent
# wire format, a registered schema with a decimal and a timestamp-millis;
# the three commands alternate over some rounds, each to /dev/null, timed,
# CPU time and peak RSS from /usr/bin/time -v. Goals: decoded at most 2x the raw
# export's time; faster than the peer. Prints a Markdown table.
#
#   bash bench/avro.sh                  # 1,000,000 records, 3 rounds
#   bash bench/avro.sh -n 10000 -rounds 2
# Flags go to bench/avro (-n, -size, -rounds, -out FILE, -table FILE,
# -cpuprofile FILE: one more, untimed, decoded export profiled).
# Needs node and npm (kafkajs and @kafkajs/confluent-schema-registry are
# installed from the npm registry into the run's temporary directory).
# Isolated: kfake and the registry on ports the OS picks, a topic and a
# temporary directory of its own (mqscope's log and the node modules too),
# all gone on exit; two runs may share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
for a in "${args[@]}"; do
  case $a in -h | -help | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
done
. bench/lib.sh
command -v node >/dev/null || bench_die "node is needed"
command -v npm >/dev/null || bench_die "npm is needed"
bench_need_time
bench_build
bench_build_tool avro
node_dir=$bench_tmp/node
mkdir -p "$node_dir"
bench_say "installing kafkajs and @kafkajs/confluent-schema-registry into $node_dir"
(cd "$node_dir" && bench_run npm install --no-audit --no-fund --no-save --loglevel=error kafkajs @kafkajs/confluent-schema-registry >/dev/null) ||
  bench_die "npm install failed"
export NODE_PATH=$node_dir/node_modules
peer_versions=$(cd "$node_dir" && node -p "'kafkajs ' + require('kafkajs/package.json').version + ', @kafkajs/confluent-schema-registry ' + require('@kafkajs/confluent-schema-registry/package.json').version")
bench_own_state

started=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
machine="$(nproc) cores (${cpu:-unknown CPU}), $mem, Linux $(uname -r)${os:+ ($os)}, $(go env GOVERSION); node $(node -v), $peer_versions; load before the run $(cut -d' ' -f1-3 /proc/loadavg)"

rows=$bench_tmp/avro-rows.md
bench_run "$bench_tool" -mqscope "$bench_bin" -peer bench/avro/peer.js -topic "bench-avro-$bench_id" -table "$rows" "${args[@]}"
echo
echo "### bench/avro.sh, $started"
echo
echo "- commit: $commit"
echo "- machine: $machine"
echo "- command: \`bash bench/avro.sh${args[*]:+ ${args[*]}}\`"
echo
cat "$rows"
