import { timingSafeEqual } from "node:crypto";
import type { MintedCredentials } from "../types.js";
import type { StsRequest } from "./sts-request.js";
import { parseSigV4, type SigV4Auth } from "./sigv4-parse.js";
import { checkRequestTime, checkScope, checkSignature } from "./sigv4-verify.js";
import { faults, type StsFault } from "./sts-fault.js";

/** Who signed a request: the credentials the emulator minted for them. @internal */
export type AuthResult =
  | { ok: true; caller: MintedCredentials; auth: SigV4Auth }
  | { ok: false; fault: StsFault; accessKeyId?: string };

/** What authentication needs. @internal */
export interface AuthDeps {
  lookup: (accessKeyId: string) => MintedCredentials | undefined;
  now: number;
  maxSkewSeconds?: number;
  /** The endpoint's region: a credential scope of another region is refused. Unset: any region. */
  region?: string;
}

/**
 * Authenticates an STS request, in this order: SigV4 syntax, credential scope (region included),
 * access key minted here, session token equal to the minted one, credentials
 * not expired, X-Amz-Date within the allowed skew, then the HMAC signature.
 * Like STS, the token is judged before the signature (an expired token says
 * ExpiredToken whatever the signature).
 * @internal
 */
export function authenticate(req: StsRequest, deps: AuthDeps): AuthResult {
  const parsed = parseSigV4(req);
  if (!parsed.ok) return parsed;
  const { auth } = parsed;
  const fail = (f: StsFault): AuthResult => ({ ok: false, fault: f, accessKeyId: auth.accessKeyId });

  const scopeFault = checkScope(auth, deps.region);
  if (scopeFault) return fail(scopeFault);

  const caller = deps.lookup(auth.accessKeyId);
  if (!caller) return fail(faults.invalidToken("access key id was not minted by this emulator"));
  if (auth.securityToken === undefined) return fail(faults.invalidToken("no X-Amz-Security-Token for session credentials"));
  if (!sameString(auth.securityToken, caller.sessionToken)) return fail(faults.invalidToken("X-Amz-Security-Token does not match the access key"));
  if (caller.expiration.getTime() <= deps.now) return fail(faults.expiredToken("credentials expired at " + caller.expiration.toISOString()));

  const timeFault = checkRequestTime(auth, deps.now, deps.maxSkewSeconds);
  if (timeFault) return fail(timeFault);
  const signatureFault = checkSignature(req, auth, caller.secretAccessKey);
  if (signatureFault) return fail(signatureFault);
  return { ok: true, caller, auth };
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
