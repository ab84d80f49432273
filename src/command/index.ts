/** Public face of the command module: the HTTP server, the control commands and their queue. */

export {
  AcceptedBody,
  CompletedBody,
  ErrorBody,
  HealthBody,
  ReadinessBody,
  StatusBody,
} from "./api-schemas.ts";
export { ControlAuth, DEFAULT_TOKEN_ENV, MIN_TOKEN_LENGTH, readControlToken } from "./auth.ts";
export { BodyError, DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body.ts";
export {
  type Command,
  type CommandBody,
  type CommandHandler,
  type CommandKind,
  CommandQueue,
  type CommandQueueOptions,
  type CommandResult,
  type CommandSink,
  type SubmitResult,
} from "./commands.ts";
export { type DeskRouteDeps, type DeskViewReader, deskRoutes } from "./desk-routes.ts";
export { type DeskStatus, DeskStatusSchema, type DeskViewAnswer, DeskViewBody } from "./desk-schemas.ts";
export {
  fillQueryOf,
  type JournalReader,
  type JournalRouteDeps,
  journalRoutes,
  MAX_API_PAGE,
  orderQueryOf,
  parseTime,
  pnlQueryOf,
  QueryParamError,
  strictParams,
} from "./journal-routes.ts";
export { API_ROUTES, type ApiRoute, elysiaPath, openApiDocument } from "./openapi.ts";
export {
  createHttpApp,
  type HttpApp,
  type HttpAppDeps,
  type HttpServerOptions,
  httpOptionsFromEnv,
  type RunningHttpServer,
  startHttpServer,
} from "./server.ts";
export {
  type BookStatus,
  type EngineStatus,
  type JournalStatus,
  type ParentsStatus,
  type QuotingStatus,
  type Readiness,
  readinessOf,
  redactSecrets,
  type StatusSource,
  type StrategyFailureStatus,
  type StrategyStatus,
  type VenueStatus,
} from "./status.ts";
export {
  CancelAllBody,
  type FieldIssue,
  isJsonObject,
  issuesOf,
  paramsValidatorFromSchema,
  ReasonBody,
  type StrategyCatalog,
  type StrategyParamsValidator,
  type Validation,
  validate,
} from "./validation.ts";
