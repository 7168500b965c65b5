/**
 * rolesanywhere-signing-helper: IAM Roles Anywhere for Node.js.
 *
 * The main export is {@link fromRolesAnywhere}, an AWS SDK v3 credential
 * provider. The pieces the CLI is built from are exported too. Importing this
 * module is cheap: heavy modules load on first use (undici only for proxies,
 * node-forge only for PKCS#12 files); the X.509 libraries (@peculiar/x509,
 * pkijs) belong to the emulator and the PKI, which load only when their
 * functions are called (or import them from "rolesanywhere-signing-helper/emulator"
 * and "/pki"). test/e2e/library-loads.test.ts checks this.
 * @packageDocumentation
 */

// Errors, secrets, clocks
export { RolesAnywhereError, UsageError, ConfigError, IdentityError, CreateSessionError, StsError, type ErrorCode } from "./errors.js";
export { Secret } from "./secret.js";
export { systemClock, ManualClock, type Clock } from "./clock.js";

// 1. identity
export type { IdentityInput, IdentitySpec, FileIdentitySpec, IdentityIo, X509Identity, TokenIdentity, LoadedIdentity, TokenKey, Pkcs11Input, KeyType } from "./identity/types.js";
export {
  loadIdentity,
  loadCertificate,
  loadCertificates,
  loadPrivateKey,
  keyTypeOf,
  certificateKeyType,
  mldsaSupported,
} from "./identity/index.js";

// 2. signer
export type { Signer, SigningAlgorithm, SignRequestInput, SignedRequest } from "./signer/types.js";
export {
  canonicalRequest,
  canonicalQueryString,
  stringToSign,
  credentialScope,
  authorizationHeader,
  formatAmzDate,
  createKeySigner,
  createTokenSigner,
  createIdentitySigner,
  signRequest,
  signTestMessage,
} from "./signer/index.js";

// 3. session
export {
  createSession,
  resolveSessionConfig,
  parseTrustAnchorArn,
  parseProfileArn,
  parseRoleArn,
  hintFor,
  type ResolvedSessionConfig,
  type SessionInit,
  type SessionIdentity,
} from "./session/index.js";

// 4. credentials
export type { Credentials, CredentialSource } from "./credentials/types.js";
export { createRefresher, type Refresher, type RefresherOptions, type RefresherEvent } from "./credentials/refresher.js";
export { createCredentialFetcher, type CredentialFetcherOptions } from "./credentials/fetcher.js";
export type { BaseCredentialSource, SourceDescription } from "./credentials/source.js";
export { x509Source, x509Description, type X509DescriptionFields } from "./credentials/x509-source.js";
export { certificateFingerprint } from "./credentials/fingerprint.js";

// 5. outputs and provider
export { formatCredentialProcess } from "./outputs/credential-process.js";
export {
  fromRolesAnywhere,
  type FromRolesAnywhereInit,
  type FromConfigProfileInit,
  type RolesAnywhereIdentity,
  type RolesAnywhereProvider,
} from "./provider/from-roles-anywhere.js";

export { assumeRoleChain, type AssumeRoleChainOptions, type BaseIdentity } from "./provider/assume-role-chain.js";
export { fromSaml, type FromSamlInit } from "./provider/from-saml.js";
export type { AssumeRoleHopInit, SessionTag } from "./sources/assume-role/options.js";
export { resolveStsEndpoint, defaultStsEndpoint, type StsEndpoint, type StsEndpointInputs } from "./sources/sts/endpoint.js";

export { startServe, DEFAULT_SERVE_PORT, DEFAULT_SERVE_BIND, type StartServeOptions, type RunningServe } from "./outputs/serve-runner.js";
export type { ServeRoute } from "./outputs/serve/router.js";

// Identity tokens: make one (outputs) and verify one (the server side, also
// "rolesanywhere-signing-helper/verifier", which loads none of the client).
export {
  createIdentityToken,
  type CreateIdentityTokenOptions,
  type IdentityTokenCredentials,
} from "./outputs/identity-token/index.js";
export {
  verifyIdentityToken,
  checkIdentityToken,
  createMemoryReplayStore,
  principalArnOf,
  IdentityTokenError,
  IDENTITY_TOKEN_FORMATS,
  type IdentityTokenFormat,
  type IdentityTokenRefusal,
  type VerifyIdentityTokenOptions,
  type VerifiedIdentity,
  type ReplayStore,
  type MemoryReplayStoreOptions,
} from "./verifier/index.js";

// Emulator and PKI, loaded on call so that importing this module stays cheap.
import type { RunningEmulator, StartEmulatorOptions } from "./emulator/index.js";
import type { CertOptions, IssuedCertificate } from "./pki/index.js";
export type { RunningEmulator, StartEmulatorOptions, AuditEntry } from "./emulator/index.js";
export type { CertOptions, IssuedCertificate, PkiKeyType } from "./pki/index.js";

/** Starts the local Roles Anywhere + STS emulator (see "rolesanywhere-signing-helper/emulator"). @public */
export async function startEmulator(opts?: StartEmulatorOptions): Promise<RunningEmulator> {
  return (await import("./emulator/index.js")).startEmulator(opts);
}
/** Creates a root CA (see "rolesanywhere-signing-helper/pki"). @public */
export async function createRootCa(opts?: CertOptions): Promise<IssuedCertificate> {
  return (await import("./pki/index.js")).createRootCa(opts);
}
/** Creates an intermediate CA signed by `issuer`. @public */
export async function createIntermediateCa(issuer: IssuedCertificate, opts?: CertOptions): Promise<IssuedCertificate> {
  return (await import("./pki/index.js")).createIntermediateCa(issuer, opts);
}
/** Issues a client certificate that meets Roles Anywhere's rules. @public */
export async function issueClientCertificate(issuer: IssuedCertificate, opts?: CertOptions): Promise<IssuedCertificate> {
  return (await import("./pki/index.js")).issueClientCertificate(issuer, opts);
}
