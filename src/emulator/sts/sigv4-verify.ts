import { timingSafeEqual } from "node:crypto";
import type { StsRequest } from "./sts-request.js";
import type { SigV4Auth } from "./sigv4-parse.js";
import { fault, faults, type StsFault } from "./sts-fault.js";
import { canonicalRequest, hmacHex, sha256Hex, signingKey, stringToSign } from "./sigv4-canonical.js";

/** The service name STS requests must be scoped to. @internal */
export const STS_SERVICE = "sts";
/** Default allowed distance between X-Amz-Date and the emulator's clock. @internal */
export const DEFAULT_MAX_SKEW_SECONDS = 300;
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** `YYYYMMDDTHHMMSSZ` of a time in ms. @internal */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/**
 * Checks the credential scope: service `sts`, terminator `aws4_request`, a
 * scope date equal to X-Amz-Date's date, and, when `region` is given, that
 * region: the emulator is a regional endpoint, and a regional STS endpoint
 * refuses a request scoped to another region (SignatureDoesNotMatch).
 * @internal
 */
export function checkScope(auth: SigV4Auth, region?: string): StsFault | undefined {
  const mismatch = (message: string, reason: string): StsFault => fault(403, "SignatureDoesNotMatch", message, reason);
  if (auth.service !== STS_SERVICE) {
    return mismatch("Credential should be scoped to correct service: 'sts'. ", `credential scope service is '${auth.service}'`);
  }
  if (auth.terminator !== "aws4_request") {
    return mismatch(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'. `,
      "credential scope terminator is wrong");
  }
  if (region !== undefined && auth.region !== region) {
    return mismatch("Credential should be scoped to a valid region. ", `credential scope region is '${auth.region.slice(0, 64)}', this endpoint's is '${region}'`);
  }
  const day = auth.amzDate.slice(0, 8);
  if (auth.scopeDate !== day) {
    return mismatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.scopeDate}' != '${day}', from '${auth.amzDate}'.`,
      "credential scope date differs from X-Amz-Date");
  }
  return undefined;
}

/**
 * How long STS accepts a presigned request after its X-Amz-Date, whatever
 * X-Amz-Expires says: STS does not honour X-Amz-Expires (aws/aws-sdk-go#2167;
 * aws-iam-authenticator#160 signs 60 and relies on the fixed 15 minutes).
 * @internal
 */
export const PRESIGNED_VALIDITY_SECONDS = 900;

/**
 * Checks X-Amz-Date against the clock: within ±`maxSkewSeconds` for signed
 * headers; for presigned requests, not more than the skew in the future and
 * not older than 15 minutes (X-Amz-Expires is ignored, as STS does). The
 * "Signature expired" text is STS's for a late signed request; that STS says
 * the same for a late presigned URL is our choice (not confirmed).
 * @internal
 */
export function checkRequestTime(auth: SigV4Auth, now: number, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS): StsFault | undefined {
  const skewMs = maxSkewSeconds * 1000;
  const skewLabel = maxSkewSeconds % 60 === 0 ? `${maxSkewSeconds / 60} min` : `${maxSkewSeconds} sec`;
  const presigned = auth.mode === "query";
  const pastMs = presigned ? PRESIGNED_VALIDITY_SECONDS * 1000 : skewMs;
  const pastLabel = presigned ? `${PRESIGNED_VALIDITY_SECONDS / 60} min` : skewLabel;
  if (auth.signedAt < now - pastMs) {
    return fault(403, "SignatureDoesNotMatch",
      `Signature expired: ${auth.amzDate} is now earlier than ${formatAmzDate(now - pastMs)} (${formatAmzDate(now)} - ${pastLabel}.)`,
      "X-Amz-Date too far in the past");
  }
  if (auth.signedAt > now + skewMs) {
    return fault(403, "SignatureDoesNotMatch",
      `Signature not yet current: ${auth.amzDate} is still later than ${formatAmzDate(now + skewMs)} (${formatAmzDate(now)} + ${skewLabel}.)`,
      "X-Amz-Date too far in the future");
  }
  return undefined;
}

/** The signature the client should have sent, given the secret and a payload hash. @internal */
export function expectedSignature(req: StsRequest, auth: SigV4Auth, secretAccessKey: string, payloadHash: string): string {
  const canonical = canonicalRequest({
    method: req.method,
    wirePath: req.path,
    rawQuery: req.rawQuery,
    headers: req.headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
    presigned: auth.mode === "query",
  });
  const scope = `${auth.scopeDate}/${auth.region}/${auth.service}/${auth.terminator}`;
  return hmacHex(signingKey(secretAccessKey, auth.scopeDate, auth.region, auth.service), stringToSign(auth.amzDate, scope, canonical));
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Recomputes the signature over the request's own signed headers, query and
 * body, and compares it in constant time. The payload hash is always the
 * SHA-256 of the body received; a presigned request with no body may also have
 * been signed as `UNSIGNED-PAYLOAD`.
 * @internal
 */
export function checkSignature(req: StsRequest, auth: SigV4Auth, secretAccessKey: string): StsFault | undefined {
  const hashes = [sha256Hex(req.body)];
  if (auth.mode === "query" && req.body.length === 0) hashes.push(UNSIGNED_PAYLOAD);
  for (const hash of hashes) {
    if (sameHex(expectedSignature(req, auth, secretAccessKey, hash), auth.signature)) return undefined;
  }
  return faults.signatureMismatch("signature does not match the request and the minted secret");
}
