import { RolesAnywhereError, type IdentityTokenRefusal } from "../errors.js";

export type { IdentityTokenRefusal } from "../errors.js";

/**
 * A refused identity token. `code` says why (one code per reason, stable);
 * the message is one line for the caller's log. The message never holds the
 * token, a signature or a session token.
 * @public
 */
export class IdentityTokenError extends RolesAnywhereError {
  declare readonly code: IdentityTokenRefusal;
  /** For STS_REFUSED: STS's HTTP status and error code, when it sent them. */
  readonly stsStatus?: number;
  readonly stsCode?: string;
  constructor(code: IdentityTokenRefusal, message: string, options?: { cause?: unknown; stsStatus?: number; stsCode?: string }) {
    super(code, message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "IdentityTokenError";
    if (options?.stsStatus !== undefined) this.stsStatus = options.stsStatus;
    if (options?.stsCode !== undefined) this.stsCode = options.stsCode;
  }
}

/** Throws a refusal. @internal */
export function refuse(code: IdentityTokenRefusal, message: string): never {
  throw new IdentityTokenError(code, message);
}
