/**
 * What a CreateSession's outcome tells the user beyond success or failure. Pure.
 * - A session shorter than the duration asked: the profile's durationSeconds (or
 *   the role's maximum) capped it, which is silent at the service.
 * - "Untrusted Signing Certificate" while the leaf's issuer is neither the leaf
 *   itself nor any certificate supplied: the intermediate is missing, and the hint
 *   can name it.
 */
import type { X509Certificate } from "node:crypto";
import { CreateSessionError } from "../errors.js";

/** A notice when the service granted less than asked (a minute of slack for the clocks), else undefined. @public */
export function cappedDurationNotice(requestedSeconds: number, expiresAtMs: number, nowMs: number): string | undefined {
  const granted = Math.round((expiresAtMs - nowMs) / 1000);
  if (granted >= requestedSeconds - 60) return undefined;
  return `notice: the session lasts ${granted} s, less than the ${requestedSeconds} s asked: the Roles Anywhere profile's durationSeconds (or the role's maximum session duration) capped it`;
}

/**
 * The same error with a hint naming the leaf's issuer when the service did not
 * trust the chain and that issuer was not supplied; else the error unchanged.
 * @public
 */
export function withMissingIssuerHint(err: unknown, leaf: X509Certificate, supplied: readonly X509Certificate[]): unknown {
  if (!(err instanceof CreateSessionError) || !/Untrusted Signing Certificate/i.test(err.message)) return err;
  if (leaf.issuer === leaf.subject || supplied.some((c) => c.subject === leaf.issuer)) return err;
  const issuer = leaf.issuer.replace(/\n/g, ", ");
  return new CreateSessionError(err.message, {
    status: err.status,
    ...(err.awsCode !== undefined ? { awsCode: err.awsCode } : {}),
    ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
    retryable: err.retryable,
    code: err.code,
    cause: err,
    hint: `the certificate is issued by ${issuer}, which was not supplied: add that intermediate CA certificate (--intermediates FILE, or the library's intermediates option)`,
  });
}
