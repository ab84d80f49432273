/**
 * Public face of services, the foundations every floor above uses: one clock (real or virtual),
 * one seeded RNG, one logger, one way to read a secret from the environment (NAME or NAME_FILE), and
 * the constant-time bearer-token check every token-guarded port uses. Nothing heavier is re-exported
 * here, so taking a Clock loads no config parser or schema library.
 */
export { bearerToken, secretDigest, secretMatchesDigest, secretsEqual } from "./bearer.ts";
export { type Clock, SystemClock, type TimerHost, type TimerId, VirtualClock } from "./clock.ts";
export {
  createLogger,
  isSecretKey,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  REDACTED,
  redactValue,
  SECRET_KEY_RE,
  silentLogger,
} from "./log.ts";
export { Rng } from "./rng.ts";
export { type ReadText, type SecretLookup, secretFromEnv } from "./secrets.ts";
