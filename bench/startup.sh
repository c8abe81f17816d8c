#!/usr/bin/env bash
# Startup: time from launching `mqscope --kafka` on a ready broker (the
# headless demo) to the first frame, and to the frame that shows the topic
# list, read from tmux every 2 ms. The figures include starting tmux.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/mqscope-bench .
port=19108
/tmp/mqscope-bench demo --headless --port $port >/dev/null 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; tmux kill-session -t mqscope-startup 2>/dev/null || true' EXIT
sleep 3
for i in 1 2 3; do # tmux's own cost: a shell that prints at once
  tmux kill-session -t mqscope-startup 2>/dev/null || true
  start=$(date +%s%N)
  tmux new-session -d -s mqscope-startup -x 100 -y 20 "echo mqscope; sleep 5"
  until tmux capture-pane -t mqscope-startup -p 2>/dev/null | grep -q "mqscope"; do sleep 0.002; done
  echo "baseline $i: $(( ($(date +%s%N) - start) / 1000000 )) ms for tmux to show a line"
done
for i in 1 2 3 4 5; do
  tmux kill-session -t mqscope-startup 2>/dev/null || true
  start=$(date +%s%N)
  tmux new-session -d -s mqscope-startup -x 100 -y 20 "/tmp/mqscope-bench --kafka 127.0.0.1:$port"
  until tmux capture-pane -t mqscope-startup -p 2>/dev/null | grep -q "mqscope"; do sleep 0.002; done
  first=$(date +%s%N)
  until tmux capture-pane -t mqscope-startup -p 2>/dev/null | grep -q "streams on"; do sleep 0.002; done
  end=$(date +%s%N)
  echo "run $i: first frame $(( (first - start) / 1000000 )) ms, topic list $(( (end - start) / 1000000 )) ms"
done
