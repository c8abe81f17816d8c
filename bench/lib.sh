# bench/lib.sh: sourced by the bench scripts so that two runs on one
# machine never share anything but the RabbitMQ server itself.
#
# Each run gets
#   bench_id      a name part of its own: the shell's pid and a random part
#                 (after the id of the bench script that started this one,
#                 so that bench/all.sh's names begin those of its steps)
#   bench_tmp     a directory from mktemp -d; TMPDIR points into it, so the
#                 Go programs' temporary files (journals, audit logs,
#                 /usr/bin/time output) land there too
#   bench_vhost_prefix  the prefix of every RabbitMQ vhost the run makes
# and on EXIT, INT and TERM every process it started (and their children)
# is stopped, the run's vhosts are deleted and the directory is removed.
# Commands that may take long run through bench_run, so that a signal is
# acted on at once instead of after the command ends.

bench_id="${MQSCOPE_BENCH_ID:+$MQSCOPE_BENCH_ID-}$$-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
export MQSCOPE_BENCH_ID=$bench_id
bench_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqscope-bench.XXXXXXXX")
export TMPDIR="$bench_tmp"
bench_vhost_prefix="mqscope-bench-$bench_id"
bench_api=${MQSCOPE_BENCH_API:-http://guest:guest@127.0.0.1:15672}
bench_pids=()
bench_on_exit=()   # commands run on exit, before the vhosts and the directory go
bench_vhosts=false # set to true by scripts that make vhosts

bench_say() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
bench_die() { bench_say "$*"; exit 1; }

# bench_descendants PID: the pids of PID's children, grandchildren, ...
bench_descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do
    bench_descendants "$c"
    echo "$c"
  done
}

# bench_kill_tree PID: TERM to PID and everything under it, up to 15 s for
# them to finish (the redrive program deletes its vhosts on TERM), then KILL.
bench_kill_tree() {
  local pids p alive i
  pids="$(bench_descendants "$1") $1"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for i in $(seq 1 150); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $alive 2>/dev/null || true
}

# bench_api_curl ARGS...: curl on the management API with the credentials
# of $bench_api (http://user:pass@host:port).
bench_api_curl() {
  local path=$1
  shift
  local creds=${bench_api#*://}
  creds=${creds%%@*}
  local base=${bench_api%%://*}://${bench_api#*@}
  curl -sf -m 10 -u "$creds" "$@" "$base$path"
}

# bench_list_vhosts: the server's vhost names, one a line.
bench_list_vhosts() {
  bench_api_curl "/api/vhosts?columns=name" | grep -o '"name":"[^"]*"' | sed 's/^"name":"//; s/"$//'
}

# bench_delete_vhosts: deletes every vhost of this run that is still there.
bench_delete_vhosts() {
  local v
  for v in $(bench_list_vhosts 2>/dev/null | grep -F -- "$bench_vhost_prefix" || true); do
    case $v in "$bench_vhost_prefix"*) bench_api_curl "/api/vhosts/$v" -X DELETE >/dev/null || true ;; esac
  done
}

bench_cleanup() {
  local rc=$? p h
  trap - EXIT INT TERM
  for p in "${bench_pids[@]}"; do bench_kill_tree "$p"; done
  for h in "${bench_on_exit[@]}"; do eval "$h" >/dev/null 2>&1 || true; done
  if $bench_vhosts; then bench_delete_vhosts; fi
  rm -rf "$bench_tmp"
  exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# bench_run CMD...: runs CMD in the background and waits for it, so that
# INT and TERM reach the cleanup at once; returns CMD's status.
bench_run() {
  "$@" &
  local pid=$!
  bench_pids+=("$pid")
  local rc=0
  wait "$pid" || rc=$?
  local keep=() p
  for p in "${bench_pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  bench_pids=("${keep[@]}")
  return "$rc"
}

# bench_build: builds mqscope into the run's directory (or uses
# $MQSCOPE_BENCH_BIN when set, as bench/all.sh does) and sets bench_bin.
bench_build() {
  if [ -n "${MQSCOPE_BENCH_BIN:-}" ]; then
    bench_bin=$MQSCOPE_BENCH_BIN
    return
  fi
  bench_bin=$bench_tmp/mqscope
  bench_run go build -o "$bench_bin" .
}

# bench_build_tool NAME: builds bench/NAME into the run's directory (or
# uses $MQSCOPE_BENCH_TOOLS/NAME when there) and sets bench_tool.
bench_build_tool() {
  if [ -n "${MQSCOPE_BENCH_TOOLS:-}" ] && [ -x "$MQSCOPE_BENCH_TOOLS/$1" ]; then
    bench_tool=$MQSCOPE_BENCH_TOOLS/$1
    return
  fi
  bench_tool=$bench_tmp/$1
  bench_run go build -o "$bench_tool" "./bench/$1"
}

# bench_need_time: /usr/bin/time (for peak RSS), installed when missing
# and we are root.
bench_need_time() {
  [ -x /usr/bin/time ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    bench_say "installing time (for /usr/bin/time -v)"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null || bench_die "could not install time"
  else
    bench_die "/usr/bin/time is needed (apt-get install time)"
  fi
}

# bench_own_state: mqscope's state (log, journals, audit) and config in the
# run's directory, so a run neither writes to nor reads from the user's.
# After the builds: the go command reads its settings from XDG_CONFIG_HOME.
bench_own_state() {
  mkdir -p "$bench_tmp/state" "$bench_tmp/config"
  export XDG_STATE_HOME=$bench_tmp/state XDG_CONFIG_HOME=$bench_tmp/config
}

# bench_under_subreaper SCRIPT ARGS...: runs the script again under
# bench/subreaper and exits (tmux's server daemonizes, and where init does
# not reap orphans its processes would stay behind as zombies); returns at
# once when it already runs there.
bench_under_subreaper() {
  [ -z "${MQSCOPE_BENCH_REAPED:-}" ] || return 0
  bench_build_tool subreaper
  export MQSCOPE_BENCH_BIN=$bench_bin MQSCOPE_BENCH_REAPED=1
  bench_run "$bench_tool" bash "$@"
  exit
}

# bench_demo_addr LOG PID SECONDS: waits until the headless demo that
# writes LOG (process PID) is running, and sets bench_addr to its Kafka
# address; dies when it stops or is not ready within SECONDS.
bench_demo_addr() {
  bench_addr=""
  local _
  for _ in $(seq 1 $(($3 * 10))); do
    grep -q "running headless" "$1" && bench_addr=$(sed -n 's/^demo Kafka on \([^ ]*\) .*/\1/p' "$1" | head -1)
    [ -n "$bench_addr" ] && return 0
    kill -0 "$2" 2>/dev/null || bench_die "the demo broker did not start: $(cat "$1")"
    sleep 0.1
  done
  bench_die "the demo broker was not ready in $3 s: $(cat "$1")"
}
