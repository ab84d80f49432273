/**
 * The one path every control request takes (auth, ?wait, body, validation, enqueue, optional wait for
 * the result), so each control route only says how its body becomes a command and no route can skip
 * a check or change trading state itself.
 */
import type * as v from "valibot";
import type { EngineMetrics } from "../metrics/index.ts";
import type { ControlAuth } from "./auth.ts";
import { BodyError, readJsonBody } from "./body.ts";
import type { CommandBody, CommandSink } from "./commands.ts";
import { invalid, json, type ReplyCounter, tooLarge } from "./responses.ts";
import {
  isJsonObject,
  type StrategyCatalog,
  type StrategyParamsValidator,
  type Validation,
  validate,
} from "./validation.ts";

/** A control request's own part: turn the parsed body into a command, or refuse it. */
export type Build = (body: unknown) => Validation<CommandBody>;

/** Runs one control request through the pipeline; `strategy` names the strategy the route acts on. */
export type Control = (route: string, request: Request, build: Build, strategy?: string) => Promise<Response>;

/** What the pipeline needs, so it can be built apart from the Elysia app. */
export interface ControlDeps {
  readonly metrics: EngineMetrics;
  readonly auth: ControlAuth;
  readonly commands: CommandSink;
  readonly strategies: StrategyCatalog;
  readonly replies: ReplyCounter;
  readonly maxBodyBytes: number;
  readonly maxWaitMs: number;
}

/** A refusal when the bearer token is missing, wrong or not configured; undefined when the caller may go on. */
function authorize(deps: ControlDeps, route: string, request: Request): Response | undefined {
  const { auth, replies } = deps;
  const verdict = auth.check(request.headers.get("authorization"));
  if (verdict === "ok") return undefined;
  if (verdict === "disabled") {
    const msg = `control API disabled: set ${auth.envName} (or ${auth.envName}_FILE) to a token of 16+ characters to enable it`;
    return replies.refuse(route, "control_disabled", json(403, { error: msg }));
  }
  const challenge = { "www-authenticate": 'Bearer realm="hft-control"' };
  return verdict === "missing"
    ? replies.refuse(
        route,
        "auth_missing",
        json(401, { error: "missing bearer token (Authorization: Bearer <token>)" }, challenge),
      )
    : replies.refuse(route, "auth_invalid", json(401, { error: "invalid bearer token" }, challenge));
}

/** The ?wait query parameter in ms (0 when absent), capped so no caller can hold a request open for long. */
function parseWait(url: string, maxWaitMs: number): Validation<number> {
  const raw = new URL(url).searchParams.get("wait");
  if (raw === null || raw === "") return { ok: true, value: 0 };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    return {
      ok: false,
      issues: [{ field: "wait", message: `expected a whole number of milliseconds, got ${JSON.stringify(raw)}` }],
    };
  }
  return { ok: true, value: Math.min(n, maxWaitMs) };
}

/** Enqueues a validated command and answers 202, or waits (bounded) for the engine's result. */
async function enqueue(deps: ControlDeps, route: string, body: CommandBody, waitMs: number): Promise<Response> {
  const { commands, metrics, replies } = deps;
  const submitted = commands.submit(body);
  if (!submitted.accepted)
    return replies.refuse(route, "queue_full", json(503, { error: submitted.message }, { "retry-after": "1" }));
  const { id, kind } = submitted.command;
  metrics.http.commandAccepted(kind).inc();
  const result = waitMs > 0 ? await commands.waitFor(id, waitMs) : undefined;
  if (result === undefined) {
    return replies.done(
      route,
      json(202, { status: "accepted", commandId: id, kind, ...(waitMs > 0 ? { pending: true } : {}) }),
    );
  }
  return replies.done(
    route,
    json(result.ok ? 200 : 409, { status: result.ok ? "completed" : "failed", commandId: id, kind, result }),
  );
}

/** How a parsed JSON value that is not an object is named in a refusal. */
function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "a string" : typeof value === "number" ? "a number" : "a boolean";
}

/**
 * Builds the shared control pipeline: auth first (before the body is read), then ?wait, the body
 * (which must be absent or a JSON object on every route: `null`, arrays and scalars are refused
 * here, so no route can read them as "no filter"), validation.
 */
export function controlPipeline(deps: ControlDeps): Control {
  const { replies } = deps;
  return async (route, request, build, strategy) => {
    const denied = authorize(deps, route, request);
    if (denied !== undefined) return denied;
    if (strategy !== undefined && deps.strategies.paramsValidator(strategy) === undefined) {
      return replies.refuse(
        route,
        "unknown_strategy",
        json(404, { error: `no strategy named ${JSON.stringify(strategy)}`, field: "name" }),
      );
    }
    const wait = parseWait(request.url, deps.maxWaitMs);
    if (!wait.ok) return replies.refuse(route, "invalid_body", invalid(wait.issues));
    let body: unknown;
    try {
      body = await readJsonBody(request, deps.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      const res = err.status === 413 ? tooLarge(err.message) : json(err.status, { error: err.message });
      return replies.refuse(route, err.reason, res);
    }
    if (body !== undefined && !isJsonObject(body)) {
      const issue = { field: "(body)", message: `expected a JSON object, got ${jsonKind(body)}` };
      return replies.refuse(route, "invalid_body", invalid([issue]));
    }
    const cmd = build(body);
    if (!cmd.ok) return replies.refuse(route, "invalid_body", invalid(cmd.issues));
    return enqueue(deps, route, cmd.value, wait.value);
  };
}

/** For routes with an optional body (no body = {}; never null): validates it against a schema and maps it to a command. */
export function withSchema<S extends v.GenericSchema>(
  schema: S,
  make: (value: v.InferOutput<S>) => CommandBody,
): Build {
  return (body) => {
    const r = validate(schema, body === undefined ? {} : body);
    return r.ok ? { ok: true, value: make(r.value) } : r;
  };
}

/** For routes that take no body: anything but nothing or {} is refused, so a misdirected request fails loudly. */
export function noBody(make: () => CommandBody): Build {
  return (body) =>
    body === undefined || (isJsonObject(body) && Object.keys(body).length === 0)
      ? { ok: true, value: make() }
      : { ok: false, issues: [{ field: "(body)", message: "this route takes no body" }] };
}

/** For a parameter change: the strategy's own validator decides, so each strategy kind owns its schema. */
export function paramsBuild(strategy: string, validator: StrategyParamsValidator | undefined): Build {
  return (body) => {
    if (validator === undefined) return { ok: false, issues: [{ field: "name", message: "unknown strategy" }] };
    if (body === undefined)
      return { ok: false, issues: [{ field: "(body)", message: "expected a JSON object of parameters" }] };
    const r = validator(body);
    return r.ok ? { ok: true, value: { kind: "set_strategy_params", strategy, params: r.value } } : r;
  };
}
