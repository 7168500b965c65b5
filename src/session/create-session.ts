import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Credentials } from "./types.js";
import { CreateSessionError } from "../errors.js";
import { debugLines, signRequest } from "../signer/sign-request.js";
import type { SignedRequest, Signer } from "../signer/types.js";
import type { ResolvedSessionConfig } from "./config.js";
import type { ServiceError } from "./response.js";
import { isRetryableStatus, isThrottle, parseServiceError, parseSuccess, serviceErrorToException } from "./response.js";
import type { NetworkFailure } from "./retry.js";
import { backoffDelayMs, classifyNetworkError, networkErrorToException, retryAllowed } from "./retry.js";
import { createDefaultDispatcher, directRequest, proxySettingFor, userAgent } from "./transport.js";

/** The signing identity of one CreateSession call. @public */
export interface SessionIdentity {
  /** DER of the leaf certificate (sent as X-Amz-X509). */
  certificateDer: Uint8Array;
  /** DER of the intermediates, in the order sent as X-Amz-X509-Chain (may be empty). */
  chainDer: Uint8Array[];
  /** The leaf's serial number in decimal (the Credential field). */
  serialDecimal: string;
  signer: Signer;
}

/** Injected collaborators of createSession; every one has a real default. @public */
export interface CreateSessionOptions {
  /**
   * undici dispatcher (then every request goes through undici). Default: node:http /
   * node:https for a direct connection, an undici EnvHttpProxyAgent built from the
   * config (closed after the call) when a proxy is set for the endpoint (never for loopback).
   */
  dispatcher?: Dispatcher;
  /** Read once per attempt for X-Amz-Date. Default: the system clock. */
  clock?: Clock;
  /** --debug sink: canonical request, string to sign, headers with the signature redacted, status. Never secrets or bodies. */
  debug?: (line: string) => void;
  /** Waits between attempts. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default: Math.random. */
  random?: () => number;
  /** User-Agent override. Default: `rolesanywhere-signing-helper/<version> (node/<v>; <platform>; <arch>)`. */
  userAgent?: string;
  /** Milliseconds from any fixed start, for the call's deadline (`cfg.timeoutMs`). Default: performance.now (monotonic). */
  elapsed?: () => number;
}

const MAX_BODY_BYTES = 1 << 20;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type AttemptResult =
  | { kind: "ok"; credentials: Credentials }
  | { kind: "service"; error: ServiceError }
  | { kind: "network"; failure: NetworkFailure; cause: unknown };

class BodyTooLarge extends Error {}

async function readBody(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge("response body larger than 1 MiB");
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

function proxySettings(cfg: ResolvedSessionConfig) {
  return { httpProxy: cfg.proxy.httpProxy.reveal(), httpsProxy: cfg.proxy.httpsProxy.reveal() };
}

/** For --debug: how the endpoint is reached; a proxy's user info is hidden. */
function describeRoute(cfg: ResolvedSessionConfig, injected: boolean, setting: "httpsProxy" | "httpProxy" | undefined): string {
  if (injected) return "through the given undici dispatcher";
  if (setting !== undefined) {
    const proxy = proxySettings(cfg)[setting].replace(/\/\/[^/@]*@/, "//[redacted]@");
    const noProxy = cfg.proxy.noProxy !== "" ? `, unless NO_PROXY '${cfg.proxy.noProxy}' excludes ${cfg.url.host}` : "";
    return `through the ${setting === "httpsProxy" ? "HTTPS" : "HTTP"} proxy ${proxy} (undici)${noProxy}`;
  }
  const p = proxySettings(cfg);
  const proxyForScheme = p.httpProxy !== "" || (cfg.url.protocol === "https:" && p.httpsProxy !== "");
  const why = proxyForScheme ? ", a loopback endpoint never goes through a proxy" : "";
  return `direct (${cfg.url.protocol === "https:" ? "TLS" : "TCP"})${why}`;
}

/** The JSON body, in the member order of the official client. */
function requestBody(cfg: ResolvedSessionConfig): string {
  const body: Record<string, unknown> = { durationSeconds: cfg.durationSeconds };
  if (cfg.roleSessionName !== undefined) body.roleSessionName = cfg.roleSessionName;
  return JSON.stringify(body);
}

/**
 * Calls IAM Roles Anywhere CreateSession: `POST <endpoint>/sessions?profileArn=…&roleArn=…&trustAnchorArn=…`
 * with body `{"durationSeconds":N[,"roleSessionName":"…"]}`, signed with
 * SigV4-X509. Up to `cfg.maxAttempts` attempts on throttling, 5xx and
 * connection errors/timeouts (throttling goes on while THROTTLE_RETRY_BUDGET_MS
 * allows, see retryAllowed), with exponential backoff and full jitter; each
 * attempt is signed again with a fresh X-Amz-Date. One deadline covers the
 * whole call (`cfg.timeoutMs` from the start, by `opts.elapsed`): each attempt
 * gets the time left, a backoff never sleeps past it, and once it has passed
 * the call fails with the last failure (a TIMEOUT naming the endpoint when the
 * endpoint did not answer). Backing off after a throttling answer does not
 * use up the deadline: the endpoint answered, and the budget bounds the waits.
 * @param identity The identity, or an async function returning it (called once per call).
 * @returns Credentials (secret key and token wrapped in Secret; accountId from the role ARN).
 * @throws CreateSessionError: service refusals (CREATE_SESSION, with status, awsCode, requestId),
 *   empty credential set (NO_CREDENTIALS), network failures (NETWORK) and timeouts (TIMEOUT), each with a hint.
 * @public
 */
export async function createSession(
  cfg: ResolvedSessionConfig,
  identity: SessionIdentity | (() => Promise<SessionIdentity>),
  opts: CreateSessionOptions = {},
): Promise<Credentials> {
  const id = typeof identity === "function" ? await identity() : identity;
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const debug = opts.debug;
  const ua = opts.userAgent ?? userAgent();
  const body = requestBody(cfg);
  const query = { profileArn: cfg.profileArn, roleArn: cfg.roleArn, trustAnchorArn: cfg.trustAnchorArn };
  const urlForMessages = `${cfg.url.origin}${cfg.url.path}`;

  // A direct connection (no proxy set for the endpoint) goes through node:http(s)
  // and never loads undici: see transport.ts.
  const setting = opts.dispatcher ? undefined : proxySettingFor(new URL(cfg.url.origin), proxySettings(cfg));
  const direct = !opts.dispatcher && setting === undefined;
  if (debug) debug(`CreateSession connection: ${describeRoute(cfg, opts.dispatcher !== undefined, setting)}`);
  const undici = direct
    ? undefined
    : await Promise.all([import("undici"), opts.dispatcher ? Promise.resolve(opts.dispatcher) : createDefaultDispatcher(cfg)]);
  const ownDispatcher = undici !== undefined && !opts.dispatcher;

  // The deadline runs on a monotonic clock of its own: `clock` is the signing time (and may be a test's).
  const elapsed = opts.elapsed ?? (() => performance.now());
  // Extended by the waits after throttling answers (see retryAllowed's budget).
  let deadline = elapsed() + cfg.timeoutMs;
  /** Time left for the call; every attempt gets at least 1 ms so it can fail as a timeout. */
  const left = (): number => Math.max(1, deadline - elapsed());

  const attempt = async (n: number): Promise<AttemptResult> => {
    const signed: SignedRequest = await signRequest({
      method: "POST",
      host: cfg.url.host,
      path: cfg.url.path,
      query,
      headers: { "content-type": "application/json" },
      body,
      region: cfg.region,
      certificateDer: id.certificateDer,
      chainDer: id.chainDer,
      serialDecimal: id.serialDecimal,
      signer: id.signer,
      signingDate: new Date(clock.now()),
    });
    const headers = { ...signed.headers, "user-agent": ua };
    const url = `${cfg.url.origin}${cfg.url.path}?${signed.canonicalQuery}`;
    if (debug) {
      debug(`CreateSession attempt ${n}/${cfg.maxAttempts}: POST ${url}`);
      for (const line of debugLines({ ...signed, headers })) debug(line);
    }
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      let res: { statusCode: number; headers: unknown; body: AsyncIterable<Uint8Array> };
      if (undici) {
        const controller = new AbortController();
        const ms = left();
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort(new Error("CreateSession attempt timed out"));
        }, ms);
        res = await undici[0].request(url, {
          method: "POST",
          headers,
          body,
          dispatcher: undici[1],
          signal: controller.signal,
          headersTimeout: ms,
          bodyTimeout: ms,
        });
      } else {
        // Its own time limit (the time left of the call's deadline); a timeout fails with ETIMEDOUT.
        res = await directRequest({ method: "POST", url, headers, body, timeoutMs: left(), tls: cfg.tls, maxBodyBytes: MAX_BODY_BYTES });
      }
      const text = await readBody(res.body);
      const rh = res.headers as Record<string, string | string[] | undefined>;
      const error = res.statusCode >= 200 && res.statusCode < 300 ? undefined : parseServiceError(res.statusCode, rh, text);
      if (debug) {
        const rid = rh["x-amzn-requestid"];
        debug(`CreateSession response: HTTP ${res.statusCode}${rid ? `, request id ${String(rid)}` : ""}${error?.awsCode ? `, ${error.awsCode}` : ""}`);
      }
      if (error) return { kind: "service", error };
      return { kind: "ok", credentials: parseSuccess(res.statusCode, rh, text, { roleArn: cfg.roleArn, accountId: cfg.accountId }) };
    } catch (err) {
      if (err instanceof CreateSessionError) throw err;
      if (err instanceof BodyTooLarge) {
        throw new CreateSessionError(`CreateSession failed: malformed response: ${err.message}`, {
          status: 0,
          hint: "the endpoint does not answer like IAM Roles Anywhere: check --endpoint and AWS_ENDPOINT_URL_ROLESANYWHERE",
        });
      }
      return { kind: "network", failure: classifyNetworkError(err, timedOut), cause: err };
    } finally {
      clearTimeout(timer);
    }
  };

  // Time spent waiting between attempts (the throttling budget counts it; the clock is left alone).
  let waitedMs = 0;
  try {
    for (let n = 1; ; n++) {
      const result = await attempt(n);
      if (result.kind === "ok") return result.credentials;
      const retryable = result.kind === "service" ? isRetryableStatus(result.error) : result.failure.retryable;
      const throttled = result.kind === "service" && isThrottle(result.error);
      const outOfTries = !retryAllowed({ attempt: n, maxAttempts: cfg.maxAttempts, retryable, throttled, elapsedMs: waitedMs });
      const delay = outOfTries ? 0 : backoffDelayMs(n, random, throttled);
      if (throttled && !outOfTries) deadline += delay;
      // Out of attempts, or of time: no attempt could start (or get anywhere) after the backoff.
      if (outOfTries || deadline - elapsed() <= delay) {
        if (result.kind === "service") throw serviceErrorToException(result.error, n);
        throw networkErrorToException(result.failure, { url: urlForMessages, timeoutMs: cfg.timeoutMs, attempts: n }, result.cause);
      }
      if (debug) {
        const why = result.kind === "service" ? `HTTP ${result.error.status}${result.error.awsCode ? ` ${result.error.awsCode}` : ""}` : result.failure.code;
        debug(`CreateSession attempt ${n} failed (${why}); retrying in ${delay} ms`);
      }
      waitedMs += delay;
      await sleep(delay);
    }
  } finally {
    if (ownDispatcher) await undici[1].close().catch(() => undefined);
  }
}
