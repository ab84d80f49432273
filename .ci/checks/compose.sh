#!/usr/bin/env bash
# Validates docker-compose.yml offline (there is no Docker engine on CI machines) and checks that the
# files it mounts exist.
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt docker-compose docker-compose
echo "== docker-compose config -q"
docker-compose -f docker-compose.yml config -q
for path in config grafana/provisioning grafana/dashboards grafana/prometheus/prometheus.yml Dockerfile; do
  [ -e "$path" ] || { echo "docker-compose.yml mounts or builds $path, which does not exist"; exit 1; }
done
echo "compose: ok"
