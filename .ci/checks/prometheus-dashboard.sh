#!/usr/bin/env bash
# Runs every Grafana dashboard query through a real Prometheus scraping the engine while it trades
# against the simulator, and `promtool check metrics` on that engine's /metrics
# (test/prometheus-dashboard.test.ts). Installs Prometheus (with promtool) when missing and forbids
# the test's skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt prometheus prometheus
HFT_REQUIRE_PROMETHEUS=1 bun test test/prometheus-dashboard.test.ts
