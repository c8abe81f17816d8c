#!/usr/bin/env bash
# Redrive benchmark: mqscope vs the RabbitMQ Shovel plugin (move with
# ack-mode on-confirm) on the same local server, and a Kafka DLT redrive on
# kfake. Prints the figures docs/benchmarks.md quotes. Flags go to
# bench/redrive (-n, -rounds, -queue-type, -bare, -ceiling, -skip-kafka,
# -skip-rabbitmq, -kafka-runs, -out FILE, -amqp, -api, ...).
# Isolated: every vhost is named mqscope-bench-<pid>-<random>-<mover>-<round>
# and deleted on exit (also on INT and TERM, by the program and again by
# this script); kfake listens on a port the OS picks; journals and audit
# logs go to a temporary directory removed on exit. Two runs may share the
# machine (and the RabbitMQ server, whose load they then share).
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do # the management API this run uses, for the clean-up
  case ${args[i]} in
    -api | --api) MQSCOPE_BENCH_API=${args[i + 1]:-} ;;
    -api=* | --api=*) MQSCOPE_BENCH_API=${args[i]#*=} ;;
  esac
done
. bench/lib.sh
bench_vhosts=true
case " $* " in
  *" -skip-rabbitmq "* | *" --skip-rabbitmq "*) ;;
  *) # the Shovel plugin; enabling it again on every run would race another run
    bench_api_curl /api/shovels >/dev/null ||
      rabbitmq-plugins enable --quiet rabbitmq_shovel rabbitmq_shovel_management >/dev/null ;;
esac
bench_build_tool redrive
bench_run "$bench_tool" -api "$bench_api" -vhost-prefix "$bench_vhost_prefix" "$@"
