/**
 * The AWS SDK v3 credential provider, and the CreateSession fetcher it is built
 * on. Cheap to import: the heavy modules (identity loading, signing, undici,
 * smithy) load on the first call.
 * @packageDocumentation
 */
export {
  fromRolesAnywhere,
  type FromRolesAnywhereInit,
  type FromConfigProfileInit,
  type RolesAnywhereIdentity,
  type RolesAnywhereProvider,
} from "./from-roles-anywhere.js";
export { createCredentialFetcher, type CredentialFetcherOptions } from "../credentials/fetcher.js";
export { assumeRoleChain, type AssumeRoleChainOptions, type BaseIdentity } from "./assume-role-chain.js";
export { fromSaml, type FromSamlInit } from "./from-saml.js";
export type { AssumeRoleHopInit, SessionTag } from "../sources/assume-role/options.js";
