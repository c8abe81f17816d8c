#!/usr/bin/env bash
# Every benchmark against its peer in one go, then one Markdown table
# (measure, mqscope, peer, ratio, goal, met) with the date, the commit and
# the machine above it, ready for docs/benchmarks.md:
#   export JSONL vs kcat -C -e -J, export --format raw vs kcat -C -e (also
#   with -X fetch.wait.max.ms=10): rates and peak RSS (bench/export.sh);
#   RabbitMQ redrive vs the Shovel on classic and quorum queues, with the
#   bare amqp091-go and the ceiling movers as references, and the Kafka
#   exactly-once redrive and DLT read (bench/redrive.sh);
#   TUI first frame and topic list (bench/startup.sh);
#   the TUI's filter over 1,000,000 messages held, from Enter to its first
#   frame and to the frame that shows it done (bench/tuifilter.sh);
#   Avro export decoded through a Schema Registry vs --decode=false and vs
#   kafkajs with @kafkajs/confluent-schema-registry (bench/avro.sh, the
#   export's size, -rounds rounds).
#
#   bash bench/all.sh               # the documented sizes: export 1,000,000
#                                   # records, redrives 100,000 messages,
#                                   # 3 RabbitMQ rounds, 3 Kafka runs
#   bash bench/all.sh -n 50000      # every size set to 50,000
#   bash bench/all.sh -quick        # tiny sizes (2,000, one round each): a check
#                                   # that everything runs, not a measurement
# Other flags: -rounds R (RabbitMQ rounds and Kafka runs), -no-refs (no bare
# or ceiling mover), -out FILE (also write the table to FILE).
#
# Each step is isolated as its script is (own ports, vhosts, topics,
# temporary directories, cleaned up on exit), so two runs may share a
# machine; they then share its cores and the RabbitMQ server, and their
# figures show it. Needs kcat, tmux, curl, node and npm (the npm registry
# reachable), RabbitMQ on 127.0.0.1:5672
# (guest/guest) with its management API at $MQSCOPE_BENCH_API (default
# http://guest:guest@127.0.0.1:15672) and /usr/bin/time (installed when
# missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
n_export=1000000 n_redrive=100000 n_filter=1000000 rounds=3 export_runs=2 startup_runs=5 refs=true quick=false table_out=""
while [ $# -gt 0 ]; do
  case $1 in
    -n | --n) n_export=$2 n_redrive=$2 n_filter=$2; shift 2 ;;
    -quick | --quick) quick=true n_export=2000 n_redrive=2000 n_filter=2000 rounds=1 export_runs=1 startup_runs=3; shift ;;
    -rounds | --rounds) rounds=$2; shift 2 ;;
    -no-refs | --no-refs) refs=false; shift ;;
    -out | --out) table_out=$2; shift 2 ;;
    -h | -help | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/all.sh: unknown flag $1 (want -n N, -quick, -rounds R, -no-refs, -out FILE)" >&2; exit 2 ;;
  esac
done
case $n_export$rounds in *[!0-9]*) echo "bench/all.sh: -n and -rounds want whole numbers" >&2; exit 2 ;; esac
. bench/lib.sh
bench_vhosts=true # the steps' vhosts begin with this run's prefix: deleted again on exit
command -v kcat >/dev/null || bench_die "kcat is needed (apt-get install kcat)"
command -v tmux >/dev/null || bench_die "tmux is needed (apt-get install tmux)"
bench_need_time
results=$bench_tmp/results.tsv
: >"$results"
step() { printf '\n== %s\n' "$*"; }
failed=()

# The machine and the code, before anything runs.
started=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")
kcat_v=$(kcat -V 2>&1 | sed -n 's/^Version \([^ ]*\).*/\1/p' | head -1)
rabbit_v=$(bench_api_curl /api/overview | grep -o '"rabbitmq_version":"[^"]*"' | sed 's/.*:"//; s/"//' || true)
machine="$(nproc) cores (${cpu:-unknown CPU}), $mem, Linux $(uname -r)${os:+ ($os)}, $(go env GOVERSION); kcat ${kcat_v:-?}, RabbitMQ ${rabbit_v:-not reachable}, $(tmux -V), node $(node -v 2>/dev/null || echo "not installed")"

step "building mqscope and the bench programs"
bench_build
for t in export redrive subreaper avro; do bench_build_tool "$t"; done
export MQSCOPE_BENCH_BIN=$bench_bin MQSCOPE_BENCH_TOOLS=$bench_tmp

step "export vs kcat: $n_export records, snappy-compressed, $export_runs alternated rounds"
bench_run bash bench/export.sh -n "$n_export" -runs "$export_runs" -out "$results" || failed+=(export)

ref_flags=()
if $refs; then ref_flags=(-bare -ceiling); fi
for qt in classic quorum; do
  step "RabbitMQ redrive vs the Shovel, $qt queues: $n_redrive messages, $rounds rounds"
  bench_run bash bench/redrive.sh -n "$n_redrive" -rounds "$rounds" -queue-type "$qt" "${ref_flags[@]}" -skip-kafka -out "$results" ||
    failed+=("rabbitmq $qt")
done

step "Kafka redrive: $n_redrive records, $rounds runs"
bench_run bash bench/redrive.sh -n "$n_redrive" -kafka-runs "$rounds" -skip-rabbitmq -out "$results" || failed+=(kafka)

step "TUI startup: $startup_runs launches"
bench_run bash bench/startup.sh -runs "$startup_runs" -out "$results" || failed+=(startup)

step "TUI filter over $n_filter messages held: $startup_runs filters"
bench_run bash bench/tuifilter.sh -n "$n_filter" -runs "$startup_runs" -out "$results" || failed+=(tuifilter)

step "Avro export decoded vs --decode=false vs kafkajs: $n_export records, $rounds rounds"
bench_run bash bench/avro.sh -n "$n_export" -rounds "$rounds" -out "$results" || failed+=(avro)

table=$bench_tmp/table.md
{
  echo "### bench/all.sh, $started"
  echo
  echo "- commit: $commit"
  echo "- machine: $machine"
  echo "- command: \`bash bench/all.sh$($quick && echo " -quick")$([ "$n_export" = 1000000 ] || $quick || echo " -n $n_export")$([ "$rounds" = 3 ] || $quick || echo " -rounds $rounds")$($refs || echo " -no-refs")\`"
  if $quick; then
    echo "- **-quick**: tiny sizes, one round; this checks that every step runs, and its figures are start-up costs, not rates to quote"
  fi
  if [ ${#failed[@]} -gt 0 ]; then echo "- failed: ${failed[*]} (see the output above the table)"; fi
  echo
  awk -F'\t' -v nx="$n_export" -v nr="$n_redrive" -v nf="$n_filter" -v rounds="$rounds" -v xruns="$export_runs" -f /dev/stdin "$results" <<'AWK'
function commas(x, d,    s, i, neg, frac) {
  s = sprintf("%." d "f", x)
  neg = substr(s, 1, 1) == "-"; if (neg) s = substr(s, 2)
  frac = ""; i = index(s, "."); if (i) { frac = substr(s, i); s = substr(s, 1, i - 1) }
  while (length(s) > 3) { frac = "," substr(s, length(s) - 2) frac; s = substr(s, 1, length(s) - 3) }
  return (neg ? "-" : "") s frac
}
function has(k) { return (k in vals) }
function list(k, d, unit,    a, n, i, s) {
  n = split(vals[k], a, " ")
  for (i = 1; i <= n; i++) s = s (i > 1 ? " / " : "") commas(a[i], d)
  return unit == "" ? s : s " " unit
}
function med(k,    a, n, i, j, t) {
  n = split(vals[k], a, " ")
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return a[int(n / 2) + 1] + 0
}
function ratio(a, b) { return b > 0 ? sprintf("%.2f×", a / b) : "—" }
function row(m, mq, peer, r, goal, met) { printf "| %s | %s | %s | %s | %s | %s |\n", m, mq, peer, r, goal, met }
function missing(m, goal) { row(m, "not measured (failed)", "—", "—", goal, "—") }
function yes(c) { return c ? "yes" : "no" }
# rate of mqscope's command vs a peer's, and the peak RSS of both
function export_rows(what, mine, peer, peername, goal, g,    r) {
  if (!has("export/" mine "/rate") || !has("export/" peer "/rate")) { missing(what " vs " peername ": rate", "≥ " goal); missing(what " vs " peername ": peak RSS", "≤ 1.0×"); return }
  r = med("export/" mine "/rate") / med("export/" peer "/rate")
  row(what " vs " peername ": rate, " commas(nx, 0) " × 200 B snappy-compressed in 3 partitions (median of " xruns " alternated rounds)", commas(med("export/" mine "/rate"), 0) " records/s", commas(med("export/" peer "/rate"), 0) " records/s", "**" sprintf("%.2f×", r) "**", "≥ " goal, yes(r >= g))
  r = med("export/" mine "/rss") / med("export/" peer "/rss")
  row(what " vs " peername ": peak RSS (`/usr/bin/time -v`), same runs", commas(med("export/" mine "/rss"), 1) " MiB", commas(med("export/" peer "/rss"), 1) " MiB", "**" sprintf("%.2f×", r) "**", "≤ 1.0× (kcat's)", yes(r <= 1.0))
}
function rabbit_row(qt, goal, g,    k, peer, rs, m, s) {
  k = "rabbitmq/" qt "/"
  m = "RabbitMQ redrive, " qt " queues: " commas(nr, 0) " × 200 B dead letters, DLQ → origin exchange, journal + audit (" rounds " round" (rounds > 1 ? "s, medians" : "") ")"
  if (!has(k "mqscope") || !has(k "shovel")) { missing(m, goal); return }
  s = med(k "shovel")
  peer = "Shovel " list(k "shovel", 0, "msg/s")
  rs = "**" ratio(med(k "mqscope"), s) "** the Shovel"
  if (has(k "ceiling")) { peer = peer "; ceiling mover " list(k "ceiling", 0, ""); rs = rs "; ceiling " ratio(med(k "ceiling"), s) }
  if (has(k "bare")) { peer = peer "; bare amqp091-go " list(k "bare", 0, ""); rs = rs "; bare " ratio(med(k "bare"), s) }
  row(m, list(k "mqscope", 0, "msg/s"), peer, rs, goal, g < 0 ? "as measured" : yes(med(k "mqscope") / s >= g))
}
{ vals[$1] = (($1 in vals) ? vals[$1] " " : "") $2 }
END {
  print "| measure | mqscope | peer | ratio | goal | met |"
  print "|---|---|---|---|---|---|"
  export_rows("export JSONL", "jsonl", "kcat-json", "`kcat -C -e -J`", "2.5×", 2.5)
  export_rows("export `--format raw`", "raw", "kcat", "`kcat -C -e`", "1.5×", 1.5)
  export_rows("export `--format raw`", "raw", "kcat-wait10", "`kcat -C -e -X fetch.wait.max.ms=10`", "1.5×", 1.5)
  rabbit_row("classic", "≥ 1.0× the Shovel", 1.0)
  rabbit_row("quorum", "— (as measured)", -1)
  m = "Kafka redrive DLT → origin, exactly once, " commas(nr, 0) " × 200 B, journal + audit (" rounds " run" (rounds > 1 ? "s, median" : "") ")"
  if (has("kafka/redrive")) row(m, list("kafka/redrive", 0, "records/s"), "—", "—", "≥ 100,000 records/s", yes(med("kafka/redrive") >= 100000))
  else missing(m, "≥ 100,000 records/s")
  m = "Kafka DLT bounded read (read_committed), same runs"
  if (has("kafka/read")) row(m, list("kafka/read", 0, "records/s"), "—", "—", "—", "—")
  else missing(m, "—")
  m = "TUI first frame, `mqscope --kafka` on the headless demo, through tmux (its own start included; median)"
  if (has("startup/first")) row(m, list("startup/first", 0, "ms"), "tmux alone " list("startup/tmux", 0, "ms"), "—", "≤ 150 ms", yes(med("startup/first") <= 150))
  else missing(m, "≤ 150 ms")
  m = "TUI topic list, same launches"
  if (has("startup/list")) row(m, list("startup/list", 0, "ms"), "—", "—", "—", "—")
  else missing(m, "—")
  m = "TUI filter `json.status == \"FAILED\" && headers[\"tenant\"] == \"acme\"` over " commas(nf, 0) " messages held (`demo --big`), Enter to the frame showing it done, through tmux (median)"
  if (has("tuifilter/done")) row(m, list("tuifilter/done", 0, "ms"), "first frame " list("tuifilter/first", 0, "ms") "; one tmux capture " list("tuifilter/capture", 0, "ms"), "—", "≤ 300 ms", yes(med("tuifilter/done") <= 300))
  else missing(m, "≤ 300 ms")
  m = "Avro export decoded (`--schema-registry`) vs `--decode=false`: time, " commas(nx, 0) " × ~200 B Avro (decimal, timestamp-millis) in 3 partitions (" rounds " round" (rounds > 1 ? "s, alternating; medians" : "") ")"
  if (has("avro/decoded/secs") && has("avro/raw/secs")) {
    r = med("avro/decoded/secs") / med("avro/raw/secs")
    row(m, list("avro/decoded/secs", 2, "s"), "`--decode=false` " list("avro/raw/secs", 2, "s"), "**" sprintf("%.2f×", r) "** the time", "≤ 2.0× the time", yes(r <= 2.0))
  } else missing(m, "≤ 2.0× the time")
  m = "Avro export decoded vs kafkajs + @kafkajs/confluent-schema-registry (node): time, same runs"
  if (has("avro/decoded/secs") && has("avro/peer/secs")) {
    r = med("avro/peer/secs") / med("avro/decoded/secs")
    row(m, list("avro/decoded/secs", 2, "s"), "kafkajs " list("avro/peer/secs", 2, "s"), "**" sprintf("%.2f×", r) "** the peer's rate", "> 1.0× (faster)", yes(r > 1.0))
  } else missing(m, "> 1.0× (faster)")
  m = "Avro export decoded: peak RSS (`/usr/bin/time -v`), same runs"
  if (has("avro/decoded/rss") && has("avro/raw/rss") && has("avro/peer/rss"))
    row(m, list("avro/decoded/rss", 1, "MiB"), "`--decode=false` " list("avro/raw/rss", 1, "MiB") "; kafkajs " list("avro/peer/rss", 1, "MiB"), sprintf("%.2f× raw's; %.2f× the peer's", med("avro/decoded/rss") / med("avro/raw/rss"), med("avro/decoded/rss") / med("avro/peer/rss")), "—", "—")
  else missing(m, "—")
  m = "Avro export decoded: CPU time (user + sys), same runs"
  if (has("avro/decoded/cpu") && has("avro/raw/cpu") && has("avro/peer/cpu"))
    row(m, list("avro/decoded/cpu", 2, "s"), "`--decode=false` " list("avro/raw/cpu", 2, "s") "; kafkajs " list("avro/peer/cpu", 2, "s"), sprintf("%.2f× raw's; %.2f× the peer's", med("avro/decoded/cpu") / med("avro/raw/cpu"), med("avro/decoded/cpu") / med("avro/peer/cpu")), "—", "—")
  else missing(m, "—")
}
AWK
} >"$table"
echo
cat "$table"
if [ -n "$table_out" ]; then cp "$table" "$table_out"; fi
[ ${#failed[@]} -eq 0 ]
