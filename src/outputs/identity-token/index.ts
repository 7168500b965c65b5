/**
 * Identity tokens: presigned sts:GetCallerIdentity requests in the layouts
 * Vault, aws-iam-authenticator, Akeyless and one's own services take.
 * @packageDocumentation
 */
export { createIdentityToken, type CreateIdentityTokenOptions, type IdentityTokenCredentials } from "./create-identity-token.js";
export { IDENTITY_TOKEN_FORMATS, type IdentityTokenFormat } from "../../identity-token-wire.js";
