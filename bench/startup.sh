#!/usr/bin/env bash
# Startup: time from launching `mqscope --kafka` on a ready broker (the
# headless demo) to the first frame that shows the topic list, read from
# tmux every 2 ms. The figure includes starting the tmux session.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/mqscope-bench .
port=19108
/tmp/mqscope-bench demo --headless --port $port >/dev/null 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; tmux kill-session -t mqscope-startup 2>/dev/null || true' EXIT
sleep 3
for i in 1 2 3 4 5; do
  tmux kill-session -t mqscope-startup 2>/dev/null || true
  start=$(date +%s%N)
  tmux new-session -d -s mqscope-startup -x 100 -y 20 "/tmp/mqscope-bench --kafka 127.0.0.1:$port"
  until tmux capture-pane -t mqscope-startup -p 2>/dev/null | grep -q "streams on"; do sleep 0.002; done
  end=$(date +%s%N)
  echo "run $i: $(( (end - start) / 1000000 )) ms to the topic list"
done
