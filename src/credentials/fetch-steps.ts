/**
 * What one CreateSession needs, behind a single lazy import of the credential
 * fetcher: one module to load instead of four (in the CLI bundle each import()
 * target is a file of its own, and every file read costs start-up time).
 * @internal
 */
export { loadIdentity } from "../identity/load.js";
export { createIdentitySigner } from "../signer/key-signer.js";
export { createSession } from "../session/create-session.js";
export { certificateExpiryLine } from "../identity/expiry.js";
export { cappedDurationNotice, withMissingIssuerHint } from "./session-notices.js";
