/**
 * A strict local stand-in for IAM Roles Anywhere CreateSession and the STS calls
 * that use the credentials it mints. Start it on 127.0.0.1:0 in tests:
 *
 * ```ts
 * import { startEmulator } from "rolesanywhere-signing-helper/emulator";
 * const emu = await startEmulator({ trustAnchorCertPem: rootPem });
 * // … point a client at emu.endpoint with emu.trustAnchorArn / emu.profileArn / emu.roleArn …
 * await emu.close();
 * ```
 * @packageDocumentation
 */
export type { AuditEntry } from "./types.js";
export type { EmulatorConfig, ProfileConfig, QuickConfigOptions, RoleConfig, TrustAnchorConfig } from "./config.js";
export { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from "./config.js";
export { EmulatorState, type ProfileSummary, type TrustAnchorSummary } from "./state.js";
export {
  MAX_BODY_BYTES,
  MAX_HEADER_BYTES,
  createEmulatorHandler,
  createEmulatorState,
  startEmulator,
  type EmulatorHandlerDeps,
  type RunningEmulator,
  type StartEmulatorOptions,
} from "./server.js";
export { CredentialStore } from "./credential-store.js";
export { rolesAnywhereArn, stableUuid } from "./arn.js";
