#!/usr/bin/env bash
# The /docs page in a real headless browser: installs Debian's Chromium when missing, then runs
# test/docs-page.test.ts (the engine started as a user starts it, /docs loaded in Chromium, every route
# of /openapi.json listed, nothing fetched from outside the engine) with its skip forbidden.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt chromium chromium
HFT_REQUIRE_CHROMIUM=1 bun test test/docs-page.test.ts
