#!/usr/bin/env bash
# Headless export of a Redis stream vs redis-cli reading the same stream
# with XRANGE pages of 10,000: N (default 1,000,000) entries of one field
# "value" holding ~200 B of JSON, seeded into a key of the run's own, then,
# ROUNDS times (default 3) pair by pair, alternating which goes first:
#   mqscope --redis URL export KEY --format raw   (one value a line)
#   redis-cli --raw XRANGE KEY START + COUNT 10000, START "(" the last id
#     of the page before, until a page is short (id, field, value lines)
# and, with JSONL=1, mqscope's JSONL export against the same redis-cli run.
# Each side's output is counted (N lines from mqscope, 3N from redis-cli,
# or the run fails). Prints min / median / max wall time of each and the
# ratio of the medians. Needs Redis (MQSCOPE_BENCH_REDIS, default
# redis://127.0.0.1:6379) and redis-cli.
# Isolated: a key named after the run, deleted on exit, and a temporary
# directory of its own (mqscope's state too); two runs may share the
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
. bench/readpairs.sh
redis_url=${MQSCOPE_BENCH_REDIS:-redis://127.0.0.1:6379}
command -v redis-cli >/dev/null || bench_die "redis-cli is needed (apt-get install redis-tools)"
n=${N:-1000000}
rounds=${ROUNDS:-3}
bench_build
bench_build_tool streamseed
seed=$bench_tool
bench_own_state
key="mqscope-bench:$bench_id"
bench_on_exit+=("'$seed' -redis '$redis_url' -stream '$key' -delete")
bench_say "seeding $n entries into $key"
bench_run "$seed" -redis "$redis_url" -stream "$key" -n "$n"

# redis_pages KEY: every entry of KEY, 10,000 per XRANGE, as redis-cli --raw
# writes them (id, field, value: three lines an entry).
redis_pages() {
  local start=- page=$bench_tmp/page last count
  while :; do
    redis-cli -u "$redis_url" --raw XRANGE "$1" "$start" + COUNT 10000 >"$page"
    count=$(($(wc -l <"$page") / 3))
    [ "$count" -gt 0 ] || break # an empty page: redis-cli writes one empty line
    cat "$page"
    [ "$count" -lt 10000 ] && break
    last=$(tail -n 3 "$page" | head -n 1)
    start="($last"
  done
}

readpair_a() { "$bench_bin" --redis "$redis_url" export "$key" --format "${format:-raw}" 2>/dev/null; }
readpair_b() { redis_pages "$key"; }
format=raw readpairs "$rounds" "$n" "$((3 * n))" "mqscope export --format raw" "redis-cli XRANGE COUNT 10000 pages"
if [ "${JSONL:-0}" = 1 ]; then
  format=jsonl
  readpairs "$rounds" "$n" "$((3 * n))" "mqscope export (jsonl)" "redis-cli XRANGE COUNT 10000 pages"
fi
