#!/usr/bin/env bash
# Redrive benchmark: mqscope vs the RabbitMQ Shovel plugin (move with
# ack-mode on-confirm) on the same local server, and a Kafka DLT redrive on
# kfake. Prints the figures docs/benchmarks.md quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
rabbitmq-plugins enable --quiet rabbitmq_shovel rabbitmq_shovel_management >/dev/null
go run ./bench/redrive "$@"
