#!/usr/bin/env bash
# Headless export of a JetStream stream vs the nats CLI reading the same
# stream: N (default 1,000,000) JSON messages of ~200 B seeded into a
# stream of the run's own (file storage, one subject), then, ROUNDS times
# (default 3) pair by pair, alternating which goes first:
#   mqscope --nats URL export STREAM --format raw   (one value a line)
#   nats sub --stream STREAM --all --raw -T STREAM.msgs   (the same lines)
# and, with JSONL=1, mqscope's JSONL export against the same nats run.
# `nats stream view` pages at most 25 messages and asks for the next page
# on a terminal (it refuses to run without one), so it cannot read 1M
# non-interactively; `nats sub --all --raw -T` reads them all and stops at
# the end. Each side's output is counted (N lines or the run fails).
# Prints min / median / max wall time of each and the ratio of the medians.
# Needs the NATS server (MQSCOPE_BENCH_NATS, default nats://127.0.0.1:4222)
# and the nats CLI (NATS_CLI, else nats on PATH, else /root/go/bin/nats).
# Isolated: a stream named after the run, deleted on exit, and a temporary
# directory of its own (mqscope's state too); two runs may share the
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
. bench/readpairs.sh
nats_url=${MQSCOPE_BENCH_NATS:-nats://127.0.0.1:4222}
nats_cli=${NATS_CLI:-$(command -v nats || echo /root/go/bin/nats)}
[ -x "$nats_cli" ] || bench_die "the nats CLI is needed (go install github.com/nats-io/natscli/nats@latest, or NATS_CLI=path)"
n=${N:-1000000}
rounds=${ROUNDS:-3}
bench_build
bench_build_tool streamseed
seed=$bench_tool
bench_own_state
stream="BENCH_$(printf '%s' "$bench_id" | tr -c 'A-Za-z0-9' '_')"
bench_on_exit+=("'$seed' -nats '$nats_url' -stream '$stream' -delete")
bench_say "seeding $n messages into $stream"
bench_run "$seed" -nats "$nats_url" -stream "$stream" -n "$n"

readpair_a() { "$bench_bin" --nats "$nats_url" export "$stream" --format "${format:-raw}" 2>/dev/null; }
readpair_b() { "$nats_cli" -s "$nats_url" sub --stream "$stream" --all --raw -T "$stream.msgs" 2>/dev/null; }
format=raw readpairs "$rounds" "$n" "$n" "mqscope export --format raw" "nats sub --all --raw -T"
if [ "${JSONL:-0}" = 1 ]; then
  format=jsonl
  readpairs "$rounds" "$n" "$n" "mqscope export (jsonl)" "nats sub --all --raw -T"
fi
