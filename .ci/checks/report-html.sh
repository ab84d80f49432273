#!/usr/bin/env bash
# Opens a backtest's report.html in headless Chromium and checks its summary table and that every
# chart drew (test/report-html.test.ts). Installs Debian's chromium when missing and forbids the
# test's skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt chromium chromium
HFT_REQUIRE_CHROMIUM=1 bun test test/report-html.test.ts
