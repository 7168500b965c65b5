import type { Clock } from "../clock.js";
import { ConfigError } from "../errors.js";
import { DEFAULT_AUDIENCE_HEADER, IDENTITY_TOKEN_FORMATS, type IdentityTokenFormat } from "../identity-token-wire.js";
import { IdentityTokenError, refuse } from "./errors.js";
import { decodeToken } from "./decode.js";
import { parseNamedEndpoints } from "./endpoints.js";
import { checkRequest, type CheckedRequest } from "./check-request.js";
import { DEFAULT_STS_TIMEOUT_MS, sendToSts } from "./sts-call.js";
import { readCallerIdentity } from "./sts-answer.js";
import { principalArnOf, principalMatcher } from "./principal.js";
import type { ReplayStore } from "./replay.js";

/** Options of {@link verifyIdentityToken} and {@link checkIdentityToken}. @public */
export interface VerifyIdentityTokenOptions {
  /** The audience this service expects (its name); a token made for another is refused. */
  audience: string;
  /** Header of `url` and `akeyless` tokens that carries the audience; default `X-Identity-Audience`. */
  audienceHeader?: string;
  /**
   * STS endpoints accepted besides the default ones (the global and regional
   * endpoints of the aws partition, https only), each as a URL compared
   * exactly: `https://sts.us-gov-west-1.amazonaws.com`, a VPC endpoint, or
   * `http://127.0.0.1:PORT` for a local emulator.
   */
  stsEndpoints?: readonly string[];
  /** Accounts (12 digits) whose principals are accepted; default any. */
  allowAccounts?: readonly string[];
  /** Principal ARN patterns (`*` = any run of characters) accepted; default any. */
  allowPrincipals?: readonly string[];
  /** Oldest signing date accepted, in seconds (1-900); default 900. */
  maxAgeSeconds?: number;
  /** Token formats accepted; default all four. */
  formats?: readonly IdentityTokenFormat[];
  /** Refuse a second use of any accepted token (see createMemoryReplayStore); default off. */
  replayStore?: ReplayStore;
  /** Time limit of the call to STS in ms; default 10000. */
  timeoutMs?: number;
  clock?: Clock;
}

/** Who the token's signer is, as STS said. @public */
export interface VerifiedIdentity {
  /** The ARN STS named (for a role session: `arn:aws:sts::<acct>:assumed-role/<role>/<session>`). */
  arn: string;
  account: string;
  userId: string;
  /** The principal: the role's ARN for an assumed role, else `arn`. */
  principalArn: string;
}

/** The longest `maxAgeSeconds`: STS itself keeps a signed request no longer. @internal */
export const MAX_AGE_LIMIT_SECONDS = 900;

interface Resolved {
  audience: string;
  audienceHeader: string;
  named: ReturnType<typeof parseNamedEndpoints>;
  maxAgeSeconds: number;
  formats: readonly IdentityTokenFormat[];
  allowAccounts: readonly string[] | undefined;
  allows: ((arns: readonly string[]) => boolean) | undefined;
  clock: Clock;
}

function resolve(o: VerifyIdentityTokenOptions): Resolved {
  if (typeof o.audience !== "string" || o.audience === "") throw new ConfigError("verifier: an audience is required");
  const maxAgeSeconds = o.maxAgeSeconds ?? MAX_AGE_LIMIT_SECONDS;
  if (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 1 || maxAgeSeconds > MAX_AGE_LIMIT_SECONDS) {
    throw new ConfigError(`verifier: max age must be 1-${MAX_AGE_LIMIT_SECONDS} seconds, not ${String(maxAgeSeconds)}`);
  }
  const bad = o.allowAccounts?.find((a) => !/^\d{12}$/.test(a));
  if (bad !== undefined) throw new ConfigError(`verifier: allowed account '${bad}' is not a 12-digit account id`);
  const unknown = o.formats?.find((f) => !IDENTITY_TOKEN_FORMATS.includes(f));
  if (unknown !== undefined) throw new ConfigError(`verifier: unknown token format '${String(unknown)}'`);
  return {
    audience: o.audience,
    audienceHeader: o.audienceHeader ?? DEFAULT_AUDIENCE_HEADER,
    named: parseNamedEndpoints(o.stsEndpoints ?? []),
    maxAgeSeconds,
    formats: o.formats ?? IDENTITY_TOKEN_FORMATS,
    allowAccounts: o.allowAccounts,
    allows: o.allowPrincipals !== undefined ? principalMatcher(o.allowPrincipals) : undefined,
    clock: o.clock ?? { now: () => Date.now() },
  };
}

function localChecks(token: string, r: Resolved): CheckedRequest {
  const call = decodeToken(token);
  if (!r.formats.includes(call.format)) refuse("TOKEN_MALFORMED", `${call.format} tokens are not accepted here`);
  return checkRequest(call, {
    audience: r.audience,
    audienceHeader: r.audienceHeader,
    named: r.named,
    maxAgeSeconds: r.maxAgeSeconds,
    now: r.clock.now(),
  });
}

/**
 * Runs every local check of {@link verifyIdentityToken} and sends nothing:
 * returns the request that would go to STS (method, URL, header names).
 * For diagnostics and tests; it proves nothing about the caller.
 * @throws IdentityTokenError for the first check that fails; ConfigError for bad options.
 * @public
 */
export function checkIdentityToken(token: string, options: VerifyIdentityTokenOptions): { method: string; url: string; headerNames: string[] } {
  const c = localChecks(token, resolve(options));
  return { method: c.method, url: c.url.origin + c.url.pathname, headerNames: c.headers.map(([n]) => n) };
}

/**
 * Verifies an identity token (any of the vault, k8s, akeyless and url
 * formats) and returns who made it. First, with no request sent, it refuses a
 * token that is too large or malformed, names a host other than an allowed
 * STS endpoint (no user info, no IP literal, https unless named), asks for
 * anything but GetCallerIdentity or carries other parameters or headers, is
 * not bound to `audience` by a signed header, was signed more than
 * `maxAgeSeconds` ago or over 5 minutes ahead, or says X-Amz-Expires over 900;
 * and, with a replay store, one already accepted. Then it sends the request to
 * STS (no redirects, `timeoutMs`), reads the XML answer, and applies the
 * account and principal allowlists.
 * @throws IdentityTokenError whose `code` names the reason; ConfigError for bad options.
 * @public
 */
export async function verifyIdentityToken(token: string, options: VerifyIdentityTokenOptions): Promise<VerifiedIdentity> {
  const r = resolve(options);
  const checked = localChecks(token, r);
  const replayKey = `sigv4:${checked.accessKeyId}:${checked.signature}`;
  if (options.replayStore && (await options.replayStore.seen(replayKey))) {
    refuse("REPLAYED", "the token was already used");
  }
  const answer = await sendToSts(checked, options.timeoutMs ?? DEFAULT_STS_TIMEOUT_MS);
  const who = await readCallerIdentity(answer);
  const principalArn = principalArnOf(who.arn);
  if (r.allowAccounts !== undefined && !r.allowAccounts.includes(who.account)) {
    refuse("ACCOUNT_NOT_ALLOWED", `account ${who.account} is not allowed`);
  }
  if (r.allows !== undefined && !r.allows([principalArn, who.arn])) {
    refuse("PRINCIPAL_NOT_ALLOWED", `principal ${principalArn} is not allowed`);
  }
  if (options.replayStore && !(await options.replayStore.claim(replayKey, checked.signedAt + r.maxAgeSeconds * 1000))) {
    refuse("REPLAYED", "the token was already used");
  }
  return { arn: who.arn, account: who.account, userId: who.userId, principalArn };
}

export { IdentityTokenError };
