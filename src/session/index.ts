/**
 * The CreateSession client: ARN and endpoint resolution (pure), the one
 * env-reading config resolver, the undici-based client, and the error hints.
 * @packageDocumentation
 */
export { parseProfileArn, parseRoleArn, parseSessionArns, parseTrustAnchorArn, type ParsedArn, type SessionArns } from "./arn.js";
export {
  defaultEndpoint,
  parseEndpointUrl,
  partitionOf,
  resolveEndpoint,
  resolveRegion,
  type EndpointInputs,
  type EndpointUrl,
  type PartitionInfo,
  type ResolvedEndpoint,
  type ResolvedRegion,
} from "./endpoint.js";
export { resolveSessionConfig, type ResolvedSessionConfig, type SessionInit } from "./config.js";
export { createSession, type CreateSessionOptions, type SessionIdentity } from "./create-session.js";
export { hintFor, type HintInput } from "./hints.js";
export { parseServiceError, parseSuccess, sanitizeErrorCode, type ServiceError } from "./response.js";
export { userAgent } from "./transport.js";
