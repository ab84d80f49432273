#!/usr/bin/env bash
# promtool on what we ship: the Prometheus config used by docker-compose, the alerting rules and their
# unit tests (`promtool test rules`), Alertmanager's config (amtool), and the metrics text the
# engine's registry produces with every family populated (synthetic driver: every label set, even
# those a short run never reaches). The REAL engine's /metrics, scraped while it trades against the
# simulator, is checked with `promtool check metrics` by test/prometheus-dashboard.test.ts
# (.ci/checks/prometheus-dashboard.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source .ci/checks/apt-install.bash
ensure_apt promtool prometheus
ensure_apt amtool prometheus-alertmanager
echo "== promtool check config grafana/prometheus/prometheus.yml (and the rules it loads)"
promtool check config grafana/prometheus/prometheus.yml
echo "== promtool test rules grafana/prometheus/alerts.test.yml"
promtool test rules grafana/prometheus/alerts.test.yml
echo "== amtool check-config grafana/alertmanager/alertmanager.yml"
amtool check-config grafana/alertmanager/alertmanager.yml
echo "== promtool check metrics (engine registry, synthetic values)"
out=$(mktemp)
bun test/support/print-synthetic-metrics.ts >"$out"
echo "$(grep -c '^hft_\|^process_' "$out") samples"
promtool check metrics <"$out"
rm -f "$out"
echo "promtool: ok"
