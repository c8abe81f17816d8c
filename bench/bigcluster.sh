#!/usr/bin/env bash
# A cluster of many topics: `mqscope --kafka` on the headless demo with
# --topics N (10,000 topics of 10 partitions by default: 100,000
# partitions), read from tmux every 2 ms. Per launch it times
#   first     launch to the first frame
#   list      launch to the frame that shows the topic list (names)
#   counted   launch to the frame where no count is pending any more
#   key       a key typed into the list's filter to the frame that shows
#             its answer, while counts load (key/counting) and after
#             (key/idle): "/zzqx" until "no stream matches", then four
#             backspaces until the rows are back
# and prints one row per measure: runs, min, median, max in ms. The
# figures include tmux's own cost (a shell that prints one line: the
# tmux row). A list shown whole at once (no counting) has no
# key/counting figures.
# Flags: -runs N (default 5), -topics N (default 10000), -out FILE (also
# append the figures to FILE as lines of key<TAB>value).
# Isolated: the demo broker on a port the OS picks, a tmux server on a
# socket of its own for each launch, mqscope's state and config in a
# temporary directory; all stopped and removed on exit (under
# bench/subreaper, which reaps what tmux leaves). Two runs may share the
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5 topics=10000 out=""
while [ $# -gt 0 ]; do
  case $1 in
    -runs | --runs) runs=$2; shift 2 ;;
    -topics | --topics) topics=$2; shift 2 ;;
    -out | --out) out=$2; shift 2 ;;
    *) echo "bench/bigcluster.sh: unknown flag $1 (want -runs N, -topics N, -out FILE)" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
command -v tmux >/dev/null || bench_die "tmux is needed (apt-get install tmux)"
bench_build
bench_under_subreaper bench/bigcluster.sh -runs "$runs" -topics "$topics" ${out:+-out "$out"}
bench_own_state
sock=0
tmx() { tmux -S "$bench_tmp/tmux-$sock.sock" "$@"; }
next_tmux() {
  tmx kill-server 2>/dev/null || true
  sock=$((sock + 1))
}
bench_on_exit+=('for s in "$bench_tmp"/tmux-*.sock; do tmux -S "$s" kill-server; done')
session=big
figures=$bench_tmp/figures # lines of measure<TAB>ms
record() {
  printf '%s\t%s\n' "$1" "$2" >>"$figures"
  [ -z "$out" ] || printf 'bigcluster/%s\t%s\n' "$1" "$2" >>"$out"
}
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

"$bench_bin" demo --headless --port -1 --topics "$topics" >/dev/null 2>"$bench_tmp/demo.log" &
bench_pids+=("$!")
bench_demo_addr "$bench_tmp/demo.log" "${bench_pids[0]}" 180
addr=$bench_addr
echo "demo broker with $topics more topics on $addr"

screen() { tmx capture-pane -t $session -p 2>/dev/null; }
# wait_for ERE: until the pane shows a line matching ERE (up to 60 s).
wait_for() {
  local i
  for ((i = 0; i < 30000; i++)); do
    screen | grep -Eq -- "$1" && return 0
    sleep 0.002
  done
  bench_die "no \"$1\" on the screen after 60 s: $(screen)"
}
# wait_gone ERE: until no line of the pane matches ERE (up to 60 s).
wait_gone() {
  local i
  for ((i = 0; i < 30000; i++)); do
    screen | grep -Eq -- "$1" || return 0
    sleep 0.002
  done
  bench_die "\"$1\" still on the screen after 60 s: $(screen)"
}
# probe KIND: types a filter that matches nothing, then clears it, timing
# each until the screen answers; records both as key/KIND.
probe() {
  local t0
  t0=$(now)
  tmx send-keys -t $session -l '/zzqx'
  wait_for "no stream matches"
  record "key/$1" "$(ms "$t0" "$(now)")"
  t0=$(now)
  tmx send-keys -t $session BSpace BSpace BSpace BSpace
  wait_gone "no stream matches"
  record "key/$1" "$(ms "$t0" "$(now)")"
  tmx send-keys -t $session Enter
}

for i in 1 2 3; do # tmux's own cost: a shell that prints at once
  next_tmux
  start=$(now)
  tmx new-session -d -s $session -x 120 -y 30 "echo mqscope; sleep 5"
  wait_for mqscope
  record tmux "$(ms "$start" "$(now)")"
done
for ((i = 1; i <= runs; i++)); do
  next_tmux
  start=$(now)
  tmx new-session -d -s $session -x 120 -y 30 \
    "XDG_STATE_HOME='$XDG_STATE_HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' exec '$bench_bin' --kafka $addr"
  wait_for mqscope
  first=$(now)
  wait_for "[0-9]+ streams on"
  listed=$(now)
  shown=$(screen | grep -Eo '[0-9]+ streams on' | head -1)
  while screen | grep -q "counting"; do # keys while the counts load
    probe counting
  done
  counted=$(now)
  for _ in 1 2; do probe idle; done
  record first "$(ms "$start" "$first")"
  record list "$(ms "$start" "$listed")"
  record counted "$(ms "$start" "$counted")"
  echo "run $i: first frame $(ms "$start" "$first") ms, list ($shown) $(ms "$start" "$listed") ms, counts $(ms "$start" "$counted") ms"
done
next_tmux

printf '%-14s %5s %8s %8s %8s\n' measure runs min median max
for m in tmux first list counted key/counting key/idle; do
  { grep -P "^\Q$m\E\t" "$figures" || true; } | cut -f2 | sort -n | awk -v m="$m" '
    { v[NR] = $1 }
    END { if (NR) printf "%-14s %5d %8d %8d %8d\n", m, NR, v[1], (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)), v[NR] }'
done
