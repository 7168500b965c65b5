/** The HTTP side of `serve`: route handlers built apart from the listening socket. */
export { createImdsHandler, IMDS_TOKEN_HEADER, IMDS_TOKEN_TTL_HEADER } from "./imds-handler.js";
export type { ImdsHandler, ImdsHandlerDeps, RouteHandler } from "./imds-handler.js";
export { createTokenStore, parseTokenTtl, DEFAULT_MAX_TOKENS, MIN_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS } from "./imds-tokens.js";
export type { TokenStore, TokenStoreOptions, TokenCheck, TtlParse } from "./imds-tokens.js";
export { createContainerHandler, tokensMatch, CONTAINER_CREDENTIALS_PATH } from "./container-handler.js";
export type { ContainerHandlerDeps } from "./container-handler.js";
export { createHealthHandler } from "./health.js";
export type { HealthHandlerDeps } from "./health.js";
export { createServeHandler, resolveServeRoutes, allowedHostsFor, hostOf, SERVE_ROUTES } from "./router.js";
export type { ServeHandlerOptions, ServeMode, ServeRoute } from "./router.js";
export {
  listen,
  isLoopback,
  checkBind,
  validateHopLimit,
  hopLimitNotice,
  formatListenUrl,
  DEFAULT_HOP_LIMIT,
  HOP_LIMIT_ENFORCED,
  canEnforceHopLimit,
} from "./listen.js";
export { NO_NATIVE_ENV, loadHopLimitAddon } from "./native-hop-limit.js";
export type { HopLimitAddon } from "./native-hop-limit.js";
export type { ListenOptions, Listening } from "./listen.js";
export { parseAuthTokenOptions, createAuthTokenSource } from "./auth-token.js";
export type { AuthTokenSpec, AuthTokenSource, AuthTokenDeps } from "./auth-token.js";
export { formatAwsTimestamp, imdsCredentialsBody, containerCredentialsBody } from "./credential-bodies.js";
export type { ImdsCredentialsBody, ContainerCredentialsBody } from "./credential-bodies.js";
