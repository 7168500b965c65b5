/**
 * Identity tokens: presigned sts:GetCallerIdentity requests in the layouts
 * Vault, aws-iam-authenticator, Akeyless and one's own services take.
 * @packageDocumentation
 */
export {
  createIdentityToken,
  IDENTITY_TOKEN_FORMATS,
  type CreateIdentityTokenOptions,
  type IdentityTokenCredentials,
} from "./create-identity-token.js";
export type { IdentityTokenFormat } from "./formats.js";
