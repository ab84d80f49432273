/**
 * docker-compose.yml as an operator relies on it, checked without a Docker engine (there is none on
 * these machines): `docker-compose config -q` for the default, sim and live profiles when the
 * Debian package is installed (.ci/checks/compose.sh runs it in CI), and the properties that matter
 * read from the file itself: the sim and live engines (config from HFT_CONFIG, keys from Docker
 * secrets through *_FILE), an init process, a named data volume, limits and a cpuset, health-gated
 * start-up, Grafana's password from a secret, exact image versions, Alertmanager wired to the rules.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(import.meta.dir, "..");

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  init?: boolean;
  cpuset?: string;
  mem_limit?: string;
  cpus?: number;
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  command?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as Compose;
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
/** The config file an engine service runs, as a path in the repository. */
const configOf = (s: Service) =>
  (s.environment?.HFT_CONFIG ?? "").replace(/^\$\{\w+:-(.*)\}$/, "$1").replace(/^\/app\//, "");

describe("docker-compose.yml", () => {
  test.skipIf(Bun.which("docker-compose") === null)("is valid for the default, sim, live and desk profiles", () => {
    for (const profile of [[], ["--profile", "sim"], ["--profile", "live"], ["--profile", "desk"]]) {
      const r = Bun.spawnSync(["docker-compose", "-f", "docker-compose.yml", ...profile, "config", "-q"], {
        cwd: ROOT,
      });
      expect({ profile, out: r.stderr.toString(), code: r.exitCode }).toEqual({ profile, out: "", code: 0 });
    }
  });

  test("sim is one profile, live the other; each engine takes its config from HFT_CONFIG in the mounted config/", () => {
    const sim = svc("engine");
    const live = svc("engine-live");
    expect({ sim: sim.profiles, live: live.profiles }).toEqual({ sim: ["sim"], live: ["live"] });
    expect(configOf(sim)).toBe("config/default.yaml");
    expect(configOf(live)).toBe("config/binance.example.yaml");
    for (const s of [sim, live]) {
      expect(existsSync(join(ROOT, configOf(s)))).toBe(true);
      expect(s.volumes).toContain("./config:/app/config:ro");
    }
  });

  test("the live engine reads every variable its config needs from a Docker secret (*_FILE), never the environment", () => {
    const live = svc("engine-live");
    const config = readFileSync(join(ROOT, configOf(live)), "utf8");
    const needed = [...config.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1] ?? "");
    expect(needed.sort()).toEqual(["BINANCE_API_KEY", "BINANCE_API_SECRET"]);
    for (const name of [...needed, "HFT_CONTROL_TOKEN"]) {
      const file = live.environment?.[`${name}_FILE`] ?? "";
      const secret = /^\/run\/secrets\/(\w+)$/.exec(file)?.[1] ?? "";
      expect({
        name,
        file,
        mounted: live.secrets?.includes(secret),
        declared: compose.secrets[secret] !== undefined,
      }).toEqual({
        name,
        file: `/run/secrets/${secret}`,
        mounted: true,
        declared: true,
      });
      expect(live.environment?.[name]).toBeUndefined();
    }
  });

  test("engines: an init process, a named data volume, limits, a cpuset, time for a graceful stop", () => {
    // each engine its own journal: nothing a simulator run journaled is restored into the live engine
    for (const [name, volume] of [
      ["engine", "engine-sim-data"],
      ["engine-live", "engine-data"],
    ] as const) {
      const s = svc(name);
      expect({ name, init: s.init, data: s.volumes?.includes(`${volume}:/app/data`) }).toEqual({
        name,
        init: true,
        data: true,
      });
      expect(s.volumes).toContain("./config:/app/config:ro");
      expect(compose.volumes[volume]).toBeDefined();
      expect(s.volumes?.filter((v) => v.endsWith(":/app/data"))).toEqual([`${volume}:/app/data`]);
      expect({ name, cpuset: s.cpuset, mem: s.mem_limit, cpus: s.cpus }).toEqual({
        name,
        cpuset: expect.stringMatching(/^\$\{HFT_ENGINE_CPUSET:-\d[\d,-]*\}$/),
        mem: "1g",
        cpus: 1,
      });
      // longer than the engine's own shutdown (cancel everything, wait for acks)
      expect(Number.parseInt(s.stop_grace_period ?? "0", 10)).toBeGreaterThanOrEqual(30);
    }
  });

  test("start-up waits on health, and each service waited on has a health check", () => {
    const waits = Object.entries(compose.services).flatMap(([from, s]) =>
      Object.entries(s.depends_on ?? {}).map(([to, d]) => ({ from, to, condition: d.condition })),
    );
    expect(waits.filter((w) => w.condition === "service_healthy").map((w) => `${w.from}->${w.to}`)).toEqual([
      "desk-a->nats",
      "desk-b->nats",
      "desk-c->nats",
      "prometheus->alertmanager",
      "grafana->prometheus",
    ]);
    for (const w of waits.filter((x) => x.condition === "service_healthy")) {
      expect({ to: w.to, check: svc(w.to).healthcheck !== undefined }).toEqual({ to: w.to, check: true });
    }
    // the engines' health check is the image's HEALTHCHECK on /health
    expect(readFileSync(join(ROOT, "Dockerfile"), "utf8")).toMatch(/^HEALTHCHECK [^\n]*\\\n[^\n]*\/health/m);
  });

  test("the desk profile: NATS with JetStream on a volume, three engines with their own name, journal and port", () => {
    const nats = svc("nats");
    expect(nats.profiles).toEqual(["desk"]);
    expect(nats.command).toContain("-js");
    expect(nats.volumes?.some((v) => v.endsWith(":/data"))).toBe(true);
    const desk = ["desk-a", "desk-b", "desk-c"].map(svc);
    const names = desk.map((s) => s.environment?.HFT_DESK_NAME);
    expect(new Set(names).size).toBe(3);
    const data = desk.map((s) => s.volumes?.find((v) => v.endsWith(":/app/data")));
    expect(new Set(data).size).toBe(3);
    for (const s of desk) {
      expect(s.profiles).toEqual(["desk"]);
      expect(configOf(s)).toBe("config/desk.example.yaml");
      expect(s.environment?.HFT_NATS_URL).toBe("nats://nats:4222");
      expect(s.secrets).toContain("hft_control_token");
    }
  });

  test("Grafana's admin password comes from a secret, never a default", () => {
    const g = svc("grafana");
    expect(g.environment?.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
    expect(g.environment?.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/grafana_admin_password");
    expect(g.secrets).toContain("grafana_admin_password");
    expect(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")).not.toMatch(/:-admin\b/);
  });

  test("every image is pinned to an exact version, and secrets are kept out of git", () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image === undefined || s.build !== undefined) continue;
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:v?\d+\.\d+\.\d+(-[a-z]+)?$/),
      });
    }
    expect(readFileSync(join(ROOT, ".gitignore"), "utf8")).toMatch(/^secrets\/$/m);
    for (const s of Object.values(compose.secrets)) expect(s.file).toMatch(/^\.\/secrets\//);
  });

  test("Prometheus loads the alert rules and sends to Alertmanager, which reaches the example receiver", () => {
    const prom = parse(readFileSync(join(ROOT, "grafana/prometheus/prometheus.yml"), "utf8")) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const mounts = svc("prometheus").volumes ?? [];
    for (const f of prom.rule_files) expect(mounts).toContain(`./grafana/prometheus/${f}:/etc/prometheus/${f}:ro`);
    expect(prom.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(["alertmanager:9093"]);
    const am = parse(readFileSync(join(ROOT, "grafana/alertmanager/alertmanager.yml"), "utf8")) as {
      receivers: { name: string; webhook_configs?: { url: string }[] }[];
    };
    const url = new URL(am.receivers[0]?.webhook_configs?.[0]?.url ?? "");
    expect(compose.services[url.hostname]).toBeDefined();
    expect(svc(url.hostname).command?.join(" ")).toContain(`port: ${url.port}`);
    for (const v of svc("alertmanager").volumes ?? []) {
      const host = v.split(":")[0] ?? "";
      if (host.startsWith("./")) expect(existsSync(join(ROOT, host))).toBe(true);
    }
  });
});
