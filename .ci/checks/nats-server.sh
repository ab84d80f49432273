#!/usr/bin/env bash
# nats-server (Debian's package) for the desk tests (src/desk/, test/desk-*.test.ts): they skip with a
# message when it is absent, so .ci/run sources this file BEFORE `bun test` to install it (the bun
# tests must run in CI); as a check of its own afterwards it proves the server starts with JetStream.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt nats-server nats-server
store=$(mktemp -d)
log="$store/server.log"
nats-server -js -sd "$store" -a 127.0.0.1 -p -1 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q "Server is ready" "$log" && break
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
grep -q "Starting JetStream" "$log" || { cat "$log"; rm -rf "$store"; echo "nats-server: JetStream did not start"; exit 1; }
rm -rf "$store"
echo "nats-server $(nats-server --version): ok"
