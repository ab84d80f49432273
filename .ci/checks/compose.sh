#!/usr/bin/env bash
# Validates docker-compose.yml offline (there is no Docker engine on CI machines) for the default
# (monitoring only), sim and live profiles, checks that the files it mounts exist, and runs the
# structural checks of test/compose.test.ts (engines, secrets, init, volume, limits, health, pins).
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt docker-compose docker-compose
for profile in "" sim live desk; do
  echo "== docker-compose ${profile:+--profile $profile }config -q"
  docker-compose -f docker-compose.yml ${profile:+--profile "$profile"} config -q
done
for path in config config/default.yaml config/binance.example.yaml config/desk.example.yaml grafana/provisioning grafana/dashboards \
  grafana/prometheus/prometheus.yml grafana/prometheus/alerts.yml grafana/alertmanager/alertmanager.yml Dockerfile; do
  [ -e "$path" ] || { echo "docker-compose.yml mounts or builds $path, which does not exist"; exit 1; }
done
bun test test/compose.test.ts
echo "compose: ok"
