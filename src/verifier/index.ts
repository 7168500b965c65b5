/**
 * The server side of identity tokens: verifyIdentityToken() checks a token
 * from a caller, forwards it to STS and returns who signed it. Import it from
 * "rolesanywhere-signing-helper/verifier": it loads none of the credential
 * client (no X.509, no Roles Anywhere session code).
 * @packageDocumentation
 */
export {
  verifyIdentityToken,
  checkIdentityToken,
  MAX_AGE_LIMIT_SECONDS,
  type VerifyIdentityTokenOptions,
  type VerifiedIdentity,
} from "./verify.js";
export { IdentityTokenError, type IdentityTokenRefusal } from "./errors.js";
export { createMemoryReplayStore, type ReplayStore, type MemoryReplayStoreOptions } from "./replay.js";
export { principalArnOf } from "./principal.js";
export { IDENTITY_TOKEN_FORMATS, type IdentityTokenFormat } from "../identity-token-wire.js";
