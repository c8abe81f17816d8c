#!/usr/bin/env bash
# Runs two tiny instances of each bench script at the same time and checks
# that both succeed and that nothing is left behind: no mqscope-bench-*
# vhost, no process
# (by executable under a bench temporary directory, kcat, tmux on a bench
# socket), no listening port, no temporary directory of a bench run.
#
#   bash bench/twice.sh            # export.sh, redrive.sh, startup.sh, bigcluster.sh, all.sh -quick
#   bash bench/twice.sh export     # only some of them
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(export redrive startup bigcluster all)
declare -A args=(
  [export]="-n 2000 -runs 1"
  [redrive]="-n 2000 -rounds 1 -bare -ceiling"
  [startup]="-runs 2"
  [bigcluster]="-runs 1 -topics 500"
  [all]="-quick"
)
tmp_root=$(dirname "$bench_tmp")

ours() { # processes of bench runs other than this one
  local p exe
  for p in $(ls /proc | grep -E '^[0-9]+$'); do
    exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
    case $exe in *"/mqscope-bench."*) case $exe in "$bench_tmp"/*) ;; *) echo "$p $exe" ;; esac ;; esac
  done
  pgrep -a kcat || true
  pgrep -af 'tmux.*mqscope-bench\.' | grep -v pgrep || true
}
ports() { # listening sockets of bench processes: address and executable
  local line pid exe
  ss -Hltnp | while read -r line; do
    pid=$(echo "$line" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    [ -n "$pid" ] || continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    case $exe in *"/mqscope-bench."*) echo "$(echo "$line" | awk '{ print $4 }') $(basename "${exe% (deleted)}") pid $pid" ;; esac
  done | sort -u
}
dirs() { ls -d "$tmp_root"/mqscope-bench.* 2>/dev/null | grep -vxF "$bench_tmp" || true; }
vhosts() { bench_list_vhosts | sort; }

status=0
for s in "${scripts[@]}"; do
  [ -n "${args[$s]:-}" ] || bench_die "no such bench script: $s (want export, redrive, startup, bigcluster, all)"
  vh0=$(vhosts) ps0=$(ours) po0=$(ports) di0=$(dirs)
  printf '\n== two bench/%s.sh %s at once\n' "$s" "${args[$s]}"
  t0=$(date +%s.%N)
  # each as if started on its own: its temp dir where it would be, its own names
  # shellcheck disable=SC2086
  env -u MQSCOPE_BENCH_ID TMPDIR="$tmp_root" bash "bench/$s.sh" ${args[$s]} >"$bench_tmp/$s.1.log" 2>&1 &
  a=$!
  # shellcheck disable=SC2086
  env -u MQSCOPE_BENCH_ID TMPDIR="$tmp_root" bash "bench/$s.sh" ${args[$s]} >"$bench_tmp/$s.2.log" 2>&1 &
  b=$!
  ( # what the two hold while they run, sampled every half second
    set +e
    while kill -0 "$a" 2>/dev/null || kill -0 "$b" 2>/dev/null; do
      vhosts | grep '^mqscope-bench-' | sed 's/^/vhost /'
      dirs | sed 's/^/dir /'
      ports | sed 's/^/port /'
      sleep 0.5
    done
  ) >"$bench_tmp/$s.seen" 2>/dev/null &
  sampler=$!
  bench_pids+=("$a" "$b" "$sampler")
  ra=0 rb=0
  wait "$a" || ra=$?
  wait "$b" || rb=$?
  wait "$sampler" || true
  bench_pids=()
  echo "held while running (sampled):"
  sort -u "$bench_tmp/$s.seen" | sed 's/^/  /'

  printf 'both done in %.1f s: exit %s and %s\n' "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$ra" "$rb"
  for i in 1 2; do
    r=$ra; [ $i = 1 ] || r=$rb
    if [ "$r" != 0 ]; then status=1; echo "run $i failed:"; tail -20 "$bench_tmp/$s.$i.log"; fi
  done
  sleep 1
  vh1=$(vhosts) ps1=$(ours) po1=$(ports) di1=$(dirs)
  left=0
  report() { # what, before, after
    local new
    new=$(comm -13 <(echo "$2" | sort) <(echo "$3" | sort) | sed '/^$/d')
    if [ -n "$new" ]; then left=1; echo "left behind ($1):"; echo "$new" | sed 's/^/  /'; fi
  }
  report "vhosts of bench runs" "$(echo "$vh0" | grep '^mqscope-bench-' || true)" "$(echo "$vh1" | grep '^mqscope-bench-' || true)"
  report processes "$ps0" "$ps1"
  report "listening ports" "$po0" "$po1"
  report "temporary directories" "$di0" "$di1"
  if [ $left = 0 ]; then
    echo "nothing left behind: no mqscope-bench-* vhost (the server's: $(echo "$vh0" | sed '/^$/d' | wc -l) before, $(echo "$vh1" | sed '/^$/d' | wc -l) after, others use it too), no bench process, no bench listening port, no bench temp dir"
  else
    status=1
  fi
  grep -h -E '^(demo broker on|demo broker with|[0-9]+ records of|round 1|  mqscope redrive|kafka mqscope redrive|\| export JSONL vs `kcat -C -e -J`: rate)' \
    "$bench_tmp/$s.1.log" "$bench_tmp/$s.2.log" | sed 's/^/  /' || true
done
exit $status
