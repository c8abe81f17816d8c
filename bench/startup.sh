#!/usr/bin/env bash
# Startup: time from launching `mqscope --kafka` on a ready broker (the
# headless demo) to the first frame, and to the frame that shows the topic
# list, read from tmux every 2 ms. The figures include starting tmux, whose
# own cost (a shell that prints one line) is measured first.
# Flags: -runs N (default 5), -out FILE (also append the figures to FILE as
# lines of key<TAB>value).
# Isolated: the demo broker on a port the OS picks, a tmux server on a
# socket of its own, mqscope's state and config in a temporary directory;
# all stopped and removed on exit (under bench/subreaper, which reaps what
# tmux leaves). Two runs may share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5 out=""
while [ $# -gt 0 ]; do
  case $1 in
    -runs | --runs) runs=$2; shift 2 ;;
    -out | --out) out=$2; shift 2 ;;
    *) echo "bench/startup.sh: unknown flag $1 (want -runs N, -out FILE)" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
command -v tmux >/dev/null || bench_die "tmux is needed (apt-get install tmux)"
bench_build
bench_under_subreaper bench/startup.sh -runs "$runs" ${out:+-out "$out"}
bench_own_state
# A tmux server of its own for every launch (a socket each): a new session
# on the socket of a server still exiting fails ("server exited
# unexpectedly"). Each launch starts its server, as a first tmux does.
sock=0
tmx() { tmux -S "$bench_tmp/tmux-$sock.sock" "$@"; }
next_tmux() {
  tmx kill-server 2>/dev/null || true
  sock=$((sock + 1))
}
bench_on_exit+=('for s in "$bench_tmp"/tmux-*.sock; do tmux -S "$s" kill-server; done')
session=startup
record() { [ -z "$out" ] || printf '%s\t%s\n' "$1" "$2" >>"$out"; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

"$bench_bin" demo --headless --port -1 >/dev/null 2>"$bench_tmp/demo.log" &
bench_pids+=("$!")
addr=""
for _ in $(seq 1 300); do
  addr=$(sed -n 's/^demo Kafka on \([^ ]*\) .*/\1/p' "$bench_tmp/demo.log" | head -1)
  [ -n "$addr" ] && break
  kill -0 "${bench_pids[0]}" 2>/dev/null || bench_die "the demo broker did not start: $(cat "$bench_tmp/demo.log")"
  sleep 0.1
done
[ -n "$addr" ] || bench_die "the demo broker did not start in 30 s: $(cat "$bench_tmp/demo.log")"
grep -q "running headless" "$bench_tmp/demo.log" || sleep 1
echo "demo broker on $addr"

# wait_for TEXT: until the pane shows TEXT (up to 30 s).
wait_for() {
  local i
  for ((i = 0; i < 15000; i++)); do
    tmx capture-pane -t $session -p 2>/dev/null | grep -q "$1" && return 0
    sleep 0.002
  done
  bench_die "no \"$1\" on the screen after 30 s: $(tmx capture-pane -t $session -p 2>/dev/null)"
}

for i in 1 2 3; do # tmux's own cost: a shell that prints at once
  next_tmux
  start=$(date +%s%N)
  tmx new-session -d -s $session -x 100 -y 20 "echo mqscope; sleep 5"
  wait_for mqscope
  t=$(ms "$start" "$(date +%s%N)")
  record startup/tmux "$t"
  echo "baseline $i: $t ms for tmux to show a line"
done
for ((i = 1; i <= runs; i++)); do
  next_tmux
  start=$(date +%s%N)
  tmx new-session -d -s $session -x 100 -y 20 \
    "XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' exec '$bench_bin' --kafka $addr"
  wait_for mqscope
  first=$(date +%s%N)
  wait_for "streams on"
  end=$(date +%s%N)
  record startup/first "$(ms "$start" "$first")"
  record startup/list "$(ms "$start" "$end")"
  echo "run $i: first frame $(ms "$start" "$first") ms, topic list $(ms "$start" "$end") ms"
done
next_tmux
