/**
 * The I/O half of `doctor --online`: reads the endpoint's clock from the HTTP
 * Date header of a HEAD request, and makes one real CreateSession, both over
 * the same HTTP client (proxies, AWS_CA_BUNDLE, --no-verify-ssl) the
 * credential commands use. Failures are captured, never thrown.
 */
import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { CreateSessionError } from "../errors.js";
import { createCredentialFetcher } from "../credentials/fetcher.js";
import { resolveSessionConfig, type ResolvedSessionConfig, type SessionInit } from "../session/config.js";
import { hintFor } from "../session/hints.js";
import { classifyNetworkError } from "../session/retry.js";
import { createDefaultDispatcher } from "../session/transport.js";
import { toProblem, type DoctorRequest } from "./gather.js";
import type { CreateSessionProblem, DateProbe, DoctorFacts, OnlineFacts, Outcome } from "./types.js";

/** Injected I/O of the online probes. @public */
export interface OnlineOptions {
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** --debug lines of the CreateSession request (no secrets). */
  debug?: (line: string) => void;
  /** undici dispatcher; default: the one CreateSession uses, built from the config. */
  dispatcher?: Dispatcher;
  /** Asked for the password of an encrypted key that has none (the CLI: the terminal prompt, answers remembered). */
  promptPassword?: (what: string) => Promise<string | undefined>;
  /** Time limit of each request, ms. Default 10 000. */
  timeoutMs?: number;
}

/**
 * Sends `HEAD <url>` and records the Date header with the local send and
 * receive times.
 * @public
 */
export async function probeServerDate(url: string, dispatcher: Dispatcher, clock: Clock, timeoutMs: number): Promise<Outcome<DateProbe>> {
  const { request } = await import("undici");
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timed out"));
  }, timeoutMs);
  const sentAt = clock.now();
  try {
    const res = await request(url, { method: "HEAD", dispatcher, signal: controller.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const receivedAt = clock.now();
    await res.body.dump().catch(() => undefined);
    const date = res.headers["date"];
    const probe: DateProbe = { url, sentAt, receivedAt };
    const value = Array.isArray(date) ? date[0] : date;
    if (value !== undefined) probe.dateHeader = value;
    return { ok: true, value: probe };
  } catch (err) {
    const f = classifyNetworkError(err, timedOut);
    const hint = hintFor({ networkCode: f.code });
    return { ok: false, problem: { message: `could not reach ${url}: ${f.detail}`, ...(hint ? { hint } : {}), code: f.code } };
  } finally {
    clearTimeout(timer);
  }
}

function sessionInit(req: DoctorRequest, timeoutMs: number): SessionInit | undefined {
  const s = req.settings;
  if (!s.trustAnchorArn || !s.profileArn || !s.roleArn) return undefined;
  const init: SessionInit = { trustAnchorArn: s.trustAnchorArn, profileArn: s.profileArn, roleArn: s.roleArn, maxAttempts: 1, timeoutMs };
  if (s.region) init.region = s.region;
  if (s.endpoint) init.endpoint = s.endpoint;
  if (s.durationSeconds !== undefined) init.durationSeconds = s.durationSeconds;
  if (s.roleSessionName) init.roleSessionName = s.roleSessionName;
  if (s.noVerifySsl) init.noVerifySsl = true;
  return init;
}

function createSessionProblem(err: unknown): CreateSessionProblem {
  const p: CreateSessionProblem = toProblem(err);
  if (err instanceof CreateSessionError) {
    p.status = err.status;
    if (err.awsCode) p.awsCode = err.awsCode;
  }
  return p;
}

/**
 * Runs the online probes, after the offline facts were gathered: needs valid
 * ARNs (else both are skipped), a loaded certificate and key and an endpoint
 * that answers the Date probe (else CreateSession is skipped).
 * @public
 */
export async function gatherOnlineFacts(req: DoctorRequest, offline: DoctorFacts, opts: OnlineOptions): Promise<OnlineFacts> {
  const clock = opts.clock ?? systemClock;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const init = sessionInit(req, timeoutMs);
  if (!init) {
    const skipped = "needs --trust-anchor-arn, --profile-arn and --role-arn";
    return { clock: { skipped }, createSession: { skipped } };
  }
  let cfg: ResolvedSessionConfig;
  try {
    cfg = resolveSessionConfig(init, opts.env);
  } catch (err) {
    const skipped = `the session settings are not usable: ${toProblem(err).message}`;
    return { clock: { skipped }, createSession: { skipped } };
  }

  const dispatcher = opts.dispatcher ?? (await createDefaultDispatcher(cfg));
  try {
    const clockFacts = await probeServerDate(`${cfg.url.origin}/`, dispatcher, clock, timeoutMs);
    let createSession: OnlineFacts["createSession"];
    const { certificate } = req.identity;
    if (certificate === undefined || !offline.certificate?.ok || !offline.privateKey?.ok) {
      createSession = { skipped: "needs a readable certificate and private key" };
    } else if (!clockFacts.ok) {
      // The endpoint did not answer a HEAD: CreateSession would fail (or time out) the same way.
      createSession = { skipped: "the endpoint could not be reached (see clock skew)" };
    } else {
      const spec = { ...req.identity, certificate };
      const fetcher = createCredentialFetcher(spec, cfg, {
        io: { env: opts.env, ...(opts.promptPassword ? { promptPassword: opts.promptPassword } : {}) },
        clock,
        dispatcher,
        ...(opts.debug ? { debug: opts.debug } : {}),
      });
      try {
        const creds = await fetcher();
        createSession = {
          ok: true,
          value: {
            expiration: creds.expiration,
            accountId: creds.accountId,
            roleArn: creds.roleArn,
            ...(creds.assumedRoleArn ? { assumedRoleArn: creds.assumedRoleArn } : {}),
          },
        };
      } catch (err) {
        createSession = { ok: false, problem: createSessionProblem(err) };
      }
    }
    return { clock: clockFacts, createSession };
  } finally {
    if (!opts.dispatcher) await dispatcher.close().catch(() => undefined);
  }
}
