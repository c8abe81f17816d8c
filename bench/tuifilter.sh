#!/usr/bin/env bash
# The held-messages filter in the live TUI: mqscope --kafka on the headless
# demo with -n records in events.big (demo --big), read from the oldest
# until every one is held, then a filter typed (f) and timed from its Enter
# to the first frame that shows the filter's progress, and to the frame
# that shows it done over every message held; read from tmux every 2 ms,
# so the figures include up to a capture's time (one capture of the pane
# is timed first). -runs filters in one TUI, each typed anew (f, the
# expression replaced, Enter).
# Flags: -n N (default 1000000), -runs R (default 5), -filter EXPR
# (default json.status == "FAILED" && headers["tenant"] == "acme"),
# -buffer SIZE (the TUI's --buffer, default 512MiB: 1,000,000 of these
# records take about 270 MiB, more than the default 256MiB holds),
# -out FILE (also append the figures to FILE as lines of key<TAB>value).
# Isolated: the demo broker on a port the OS picks, a tmux server on a
# socket of its own, mqscope's state and config in a temporary directory;
# all stopped and removed on exit (under bench/subreaper, which reaps what
# tmux leaves). Two runs may share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000 runs=5 buffer=512MiB out="" expr='json.status == "FAILED" && headers["tenant"] == "acme"'
while [ $# -gt 0 ]; do
  case $1 in
    -n | --n) n=$2; shift 2 ;;
    -runs | --runs) runs=$2; shift 2 ;;
    -filter | --filter) expr=$2; shift 2 ;;
    -buffer | --buffer) buffer=$2; shift 2 ;;
    -out | --out) out=$2; shift 2 ;;
    *) echo "bench/tuifilter.sh: unknown flag $1 (want -n N, -runs R, -filter EXPR, -buffer SIZE, -out FILE)" >&2; exit 2 ;;
  esac
done
case $n$runs in *[!0-9]*) echo "bench/tuifilter.sh: -n and -runs want whole numbers" >&2; exit 2 ;; esac
. bench/lib.sh
command -v tmux >/dev/null || bench_die "tmux is needed (apt-get install tmux)"
bench_build
bench_under_subreaper bench/tuifilter.sh -n "$n" -runs "$runs" -filter "$expr" -buffer "$buffer" ${out:+-out "$out"}
bench_own_state
tmx() { tmux -S "$bench_tmp/tmux.sock" "$@"; }
bench_on_exit+=('tmux -S "$bench_tmp/tmux.sock" kill-server')
session=tuifilter
record() { [ -z "$out" ] || printf '%s\t%s\n' "$1" "$2" >>"$out"; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
held=$(echo "$n" | rev | sed 's/\([0-9]\{3\}\)/\1,/g; s/,$//' | rev) # 1,000,000, as the status line writes it

echo "filling events.big with $n records (demo --big)…"
start=$(date +%s%N)
: >"$bench_tmp/demo.log"
"$bench_bin" demo --headless --port -1 --big "$n" >/dev/null 2>"$bench_tmp/demo.log" &
demo_pid=$!
bench_pids+=("$demo_pid")
bench_demo_addr "$bench_tmp/demo.log" "$demo_pid" 600
addr=$bench_addr
echo "demo broker on $addr, filled in $(ms "$start" "$(date +%s%N)") ms"

screen() { tmx capture-pane -t $session -p 2>/dev/null; }
# wait_for PATTERN [SECONDS]: until a line of the pane matches the
# extended regular expression PATTERN (up to SECONDS, default 30).
wait_for() {
  local i limit=$(( ${2:-30} * 500 ))
  for ((i = 0; i < limit; i++)); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.002
  done
  bench_die "no /$1/ on the screen after ${2:-30} s: $(screen)"
}

tmx new-session -d -s $session -x 220 -y 40 \
  "XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' exec '$bench_bin' --kafka $addr --buffer $buffer"
wait_for "streams on"
tmx send-keys -t $session / && tmx send-keys -t $session -l events.big && tmx send-keys -t $session Enter
sleep 0.3
tmx send-keys -t $session Enter # open events.big (last 500 a partition)
wait_for "events\.big"
sleep 0.5
tmx send-keys -t $session s # the start picker: Last N is chosen; Oldest is two up
sleep 0.3
tmx send-keys -t $session k && tmx send-keys -t $session k && tmx send-keys -t $session Enter
start=$(date +%s%N)
wait_for "(^| )$held/$held | evicted \(budget" 600
screen | grep -q "evicted (budget" && bench_die "the TUI evicted messages before holding $held: give it a larger -buffer ($(screen | grep -o '[0-9,]* evicted (budget[^)]*)'))"
echo "$held messages held after $(ms "$start" "$(date +%s%N)") ms"
sleep 1 # the read is at its end: let the page settle

c0=$(date +%s%N)
for _ in 1 2 3 4 5; do screen >/dev/null; done
capture=$(( ($(date +%s%N) - c0) / 5000000 ))
record tuifilter/capture "$capture"
echo "one capture of the pane: $capture ms"

done_re="filter: scanned $held, matched [0-9,]+( |$)"
for ((i = 1; i <= runs; i++)); do
  if screen | grep -q "filter: scanned"; then # clear the last run's filter first
    tmx send-keys -t $session f && sleep 0.3 && tmx send-keys -t $session C-u Enter
    for _ in $(seq 1 500); do screen | grep -q "filter: scanned" || break; sleep 0.01; done
  fi
  tmx send-keys -t $session f
  sleep 0.3
  tmx send-keys -t $session C-u && tmx send-keys -t $session -l "$expr"
  sleep 0.3
  start=$(date +%s%N)
  tmx send-keys -t $session Enter
  first="" last=""
  for ((k = 0; k < 30000; k++)); do
    s=$(screen)
    now=$(date +%s%N)
    if [ -z "$first" ] && grep -q "filter: scanned" <<<"$s"; then
      first=$now
    fi
    if [ -n "$first" ] && grep -Eq "$done_re" <<<"$s"; then
      last=$now
      break
    fi
  done
  [ -n "$last" ] || bench_die "run $i: the filter did not finish in 60 s: $(screen)"
  matched=$(grep -Eo "$done_re" <<<"$s" | sed 's/.*matched \([0-9,]*\).*/\1/')
  record tuifilter/first "$(ms "$start" "$first")"
  record tuifilter/done "$(ms "$start" "$last")"
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "run $i (load $load): first frame $(ms "$start" "$first") ms, filter done over $held held $(ms "$start" "$last") ms ($matched matched)"
done
