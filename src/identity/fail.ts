import { IdentityError, type ErrorCode } from "../errors.js";

/** What is being loaded, as the first words of every message. @internal */
export type Subject = "certificate" | "private key" | "intermediates" | "password" | "PKCS#12";

/** Where it came from and what it is: `certificate (file /x/y.pem)`. @internal */
export interface Origin {
  what: Subject;
  /** Human label of the source: "file /x/y.pem", "env:NAME", "stdin", "inline PEM", "Buffer", "callback". */
  label: string;
}

/** `certificate (file /x.pem)` */
export function describe(origin: Origin): string {
  return `${origin.what} (${origin.label})`;
}

/**
 * Builds the one-line error every identity failure uses:
 * `<what> (<source>): <why>`, with a hint saying what to do. Never pass secret
 * material in `why` or `hint`.
 * @internal
 */
export function fail(
  code: ErrorCode,
  origin: Origin,
  why: string,
  options?: { hint?: string; cause?: unknown },
): IdentityError {
  return new IdentityError(code, `${describe(origin)}: ${why}`, options);
}

/** The hint for password problems, naming both the flag and the library option. @internal */
export const PASSWORD_HINT =
  "check --pkcs8-password VALUE|env:NAME (passphrase in the library); the same password opens PKCS#12 files";

/** The accepted key types, for hints. @internal */
export const KEY_TYPES_HINT = "use an RSA (2048 bits or more), ECDSA P-256/P-384/P-521 or ML-DSA key";
