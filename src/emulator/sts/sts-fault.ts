/**
 * An STS error answer: HTTP status, the error code clients switch on, the
 * message they show, and (for the audit log only) a more precise reason.
 * Messages follow real STS where its wording is known.
 * @internal
 */
export interface StsFault {
  status: number;
  code: string;
  message: string;
  /** Detail for the audit log; never sent to the client, never a secret. */
  reason?: string;
}

/** Builds a fault. @internal */
export function fault(status: number, code: string, message: string, reason?: string): StsFault {
  return reason === undefined ? { status, code, message } : { status, code, message, reason };
}

/** The real STS message for a request signed with the wrong secret or over other bytes. @internal */
export const SIGNATURE_MISMATCH_MESSAGE =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/** Faults shared by several steps. @internal */
export const faults = {
  missingAuth: (): StsFault =>
    fault(403, "MissingAuthenticationToken", "Request is missing Authentication Token", "no SigV4 authorization in the request"),
  incomplete: (message: string, reason?: string): StsFault => fault(400, "IncompleteSignature", message, reason),
  signatureMismatch: (reason: string): StsFault => fault(403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH_MESSAGE, reason),
  invalidToken: (reason: string): StsFault =>
    fault(403, "InvalidClientTokenId", "The security token included in the request is invalid.", reason),
  expiredToken: (reason: string): StsFault =>
    fault(400, "ExpiredToken", "The security token included in the request is expired", reason),
  validation: (message: string, reason?: string): StsFault => fault(400, "ValidationError", message, reason),
  accessDenied: (message: string, reason?: string): StsFault => fault(403, "AccessDenied", message, reason),
};
