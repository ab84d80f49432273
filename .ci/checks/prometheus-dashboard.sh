#!/usr/bin/env bash
# Runs every Grafana dashboard query through a real Prometheus scraping our HTTP server
# (test/prometheus-dashboard.test.ts). Installs Prometheus when missing and forbids the test's skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt prometheus prometheus
HFT_REQUIRE_PROMETHEUS=1 bun test test/prometheus-dashboard.test.ts
