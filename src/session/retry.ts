import { CreateSessionError } from "../errors.js";
import { hintFor, isUnreadableAnswerCode } from "./hints.js";
import { oneLine } from "./response.js";

/**
 * Retry policy and local-failure mapping for CreateSession. Pure.
 */

/** A failure with no HTTP response, classified. @public */
export interface NetworkFailure {
  /** `TIMEOUT`, `PROXY`, a system code (`ECONNREFUSED`), a TLS code or an undici code. */
  code: string;
  /** One line describing it (the underlying error message). */
  detail: string;
  kind: "timeout" | "tls" | "proxy" | "dns" | "protocol" | "connection";
  retryable: boolean;
}

const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ECONNABORTED",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  "ETIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const TLS_CODE = /^(ERR_(SSL|TLS)_|SELF_SIGNED|DEPTH_ZERO|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH)/;

/** Every `code` found on an error, its `cause` chain and AggregateError members, outermost first. */
function codesOf(err: unknown): Array<{ code: string; message: string }> {
  const out: Array<{ code: string; message: string }> = [];
  const queue: unknown[] = [err];
  for (let i = 0; i < queue.length && i < 20; i++) {
    const e = queue[i];
    if (!e || typeof e !== "object") continue;
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === "string") out.push({ code: o.code, message: typeof o.message === "string" ? o.message : "" });
    if (o.cause !== undefined) queue.push(o.cause);
    if (Array.isArray(o.errors)) queue.push(...o.errors);
  }
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Removes URL user info (proxy passwords) from a message. */
function scrub(text: string): string {
  return oneLine(text.replace(/\/\/[^/@\s]*@/g, "//[redacted]@"), 200);
}

/**
 * Classifies an error thrown by the HTTP client. `timedOut` says the
 * attempt's own timer fired (the request was aborted for lack of time).
 * @public
 */
export function classifyNetworkError(err: unknown, timedOut: boolean): NetworkFailure {
  const message = messageOf(err);
  if (timedOut) return { code: "TIMEOUT", detail: "timed out", kind: "timeout", retryable: true };
  if (/^proxy/i.test(message) || /Proxy Authentication Required/i.test(message)) {
    return { code: "PROXY", detail: scrub(message), kind: "proxy", retryable: false };
  }
  const codes = codesOf(err);
  const chosen = codes.find((c) => !c.code.startsWith("UND_ERR_")) ?? codes[0];
  const code = chosen?.code ?? "UNKNOWN";
  const detail = scrub(chosen?.message || message || code);
  if (TIMEOUT_CODES.has(code)) return { code: "TIMEOUT", detail, kind: "timeout", retryable: true };
  // https:// to a plain-HTTP port: OpenSSL's "wrong version number" arrives as ERR_SSL_WRONG_VERSION_NUMBER or, on a write, as EPROTO.
  if (code === "EPROTO" && /wrong version number|packet length too long|http request/i.test(detail)) {
    return { code: "ERR_SSL_WRONG_VERSION_NUMBER", detail, kind: "tls", retryable: false };
  }
  if (TLS_CODE.test(code)) return { code, detail, kind: "tls", retryable: false };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return { code, detail, kind: "dns", retryable: code === "EAI_AGAIN" };
  if (isUnreadableAnswerCode(code)) return { code, detail, kind: "protocol", retryable: false };
  return { code, detail, kind: "connection", retryable: RETRYABLE_CODES.has(code) };
}

/**
 * Exponential backoff with full jitter: a random delay in
 * [0, min(20 s, base × 2^(attempt−1))), base 500 ms after throttling, else 100 ms.
 * @param attempt The attempt that just failed, from 1.
 * @param random A number in [0, 1).
 * @public
 */
export function backoffDelayMs(attempt: number, random: () => number, throttled: boolean): number {
  const base = throttled ? 500 : 100;
  const ceiling = Math.min(20_000, base * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * ceiling);
}

/**
 * How long throttled attempts (429 / ThrottlingException) go on: until the
 * waits between attempts add up to 30 minutes, past maxAttempts (unless it is 1). A fleet that
 * shares the CreateSession quota (10 per second per account and Region by
 * default) gets through a synchronized start only if throttled callers keep
 * backing off (full jitter, 500 ms doubling to 20 s) instead of failing after a
 * few tries; 10,000 workloads need 1,000 seconds of quota.
 * @public
 */
export const THROTTLE_RETRY_BUDGET_MS = 30 * 60_000;

/**
 * Whether a failed attempt is tried again: retryable failures up to
 * `maxAttempts` attempts in all; throttling also while less than
 * THROTTLE_RETRY_BUDGET_MS has been spent waiting between attempts (when maxAttempts > 1).
 * @param attempt The attempt that just failed, from 1.
 * @public
 */
export function retryAllowed(p: { attempt: number; maxAttempts: number; retryable: boolean; throttled: boolean; elapsedMs: number }): boolean {
  if (!p.retryable) return false;
  if (p.attempt < p.maxAttempts) return true;
  return p.throttled && p.maxAttempts > 1 && p.elapsedMs < THROTTLE_RETRY_BUDGET_MS;
}

/** TLS failures that mean the other side does not speak TLS at all (e.g. https:// to a plain-HTTP port). */
const NOT_TLS_CODES: ReadonlySet<string> = new Set(["ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG", "ERR_SSL_HTTP_REQUEST"]);

/** OpenSSL's "80FC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…" shortened to its reason. */
function opensslReason(detail: string): string {
  const m = /^[0-9A-F]+:error:[0-9A-F]+:[^:]+:[^:]+:([^:]+):/.exec(detail);
  return m ? m[1]! : detail;
}

/**
 * The error for a failure with no response, one line plus a hint:
 * `CreateSession failed: cannot connect to http://127.0.0.1:9/sessions: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED, 3 attempts)`.
 * Code TIMEOUT for timeouts, NETWORK otherwise; status 0.
 * @public
 */
export function networkErrorToException(
  f: NetworkFailure,
  ctx: { url: string; timeoutMs: number; attempts: number },
  cause?: unknown,
): CreateSessionError {
  const attempts = ctx.attempts > 1 ? `, ${ctx.attempts} attempts` : "";
  let what: string;
  switch (f.kind) {
    case "timeout":
      what = `no answer from ${ctx.url} within ${ctx.timeoutMs / 1000} s`;
      break;
    case "tls":
      what = NOT_TLS_CODES.has(f.code)
        ? `TLS handshake with ${ctx.url} failed: the server did not answer in TLS`
        : `TLS verification of ${ctx.url} failed: ${opensslReason(f.detail)}`;
      break;
    case "proxy":
      what = `the proxy refused the request to ${ctx.url}: ${f.detail}`;
      break;
    case "dns":
      what = `cannot resolve the host of ${ctx.url}: ${f.detail}`;
      break;
    case "protocol":
      what = `unreadable answer from ${ctx.url}: ${f.detail}`;
      break;
    default:
      what = `cannot connect to ${ctx.url}: ${f.detail}`;
  }
  const hint = hintFor({ networkCode: f.code });
  return new CreateSessionError(`CreateSession failed: ${what} (${f.code}${attempts})`, {
    status: 0,
    code: f.kind === "timeout" ? "TIMEOUT" : "NETWORK",
    retryable: f.retryable,
    ...(hint ? { hint } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}
