import type { Dispatcher } from "undici";
import type { Clock } from "../../clock.js";
import { systemClock } from "../../clock.js";
import { StsError } from "../../errors.js";
import type { Secret } from "../../secret.js";
import { backoffDelayMs, classifyNetworkError, type NetworkFailure } from "../../session/retry.js";
import { hintFor } from "../../session/hints.js";
import { createDefaultDispatcher, directRequest, proxySettingFor, userAgent } from "../../session/transport.js";
import type { StsEndpoint } from "./endpoint.js";
import { isRetryableStsError, parseStsError, parseStsResult, stsErrorToException, type StsServiceError } from "./response.js";
import type { XmlElement } from "./xml.js";

/*
 * SigV4 here comes from @smithy/signature-v4, the signer of the AWS SDK for
 * JavaScript v3, not from src/signer: that module is the X.509 variant (an
 * asymmetric key signs; the golden vectors pin it), while STS takes standard
 * SigV4 (HMAC-SHA256 with a derived key and the session token header), and the
 * SDK's own code signs exactly as every SDK client of STS does. It is imported
 * on the first STS call only: `credential-process --cache` on a hit, and every
 * run without --assume-role, never loads it (test/e2e/role-chaining.test.ts checks what a run loads).
 * The transport is the CreateSession one (node:net / node:tls directly, undici
 * through proxies), so proxies, AWS_CA_BUNDLE and --no-verify-ssl behave alike.
 */

/** How STS is reached: endpoint, TLS, proxies, limits. @public */
export interface StsCallConfig {
  endpoint: StsEndpoint;
  tls: Readonly<{ rejectUnauthorized: boolean; ca?: string }>;
  proxy: Readonly<{ httpProxy: Secret<string>; httpsProxy: Secret<string>; noProxy: string }>;
  /** Time limit of one attempt, ms. */
  timeoutMs: number;
  /** Attempts on throttling, 5xx and network errors. */
  maxAttempts: number;
}

/** The credentials an STS call is signed with. @public */
export interface StsCaller {
  accessKeyId: string;
  secretAccessKey: Secret<string>;
  /** Absent for long-term keys. */
  sessionToken?: Secret<string>;
}

/** Injected collaborators of an STS call; every one has a real default. @public */
export interface StsCallOptions {
  /** Read once per attempt for X-Amz-Date. Default: the system clock. */
  clock?: Clock;
  /** --debug sink: URL, status, signed header names; never a secret or a body. */
  debug?: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** undici dispatcher (then every request goes through undici). */
  dispatcher?: Dispatcher;
  userAgent?: string;
}

const MAX_BODY_BYTES = 1 << 20;
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** RFC 3986 percent-encoding, as the AWS query protocol serializers use. @internal */
export function awsQueryEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The form body of a query-protocol call: Action, Version, then the parameters in the given order. @internal */
export function queryBody(action: string, params: ReadonlyArray<readonly [string, string]>): string {
  return [["Action", action] as const, ["Version", "2011-06-15"] as const, ...params].map(([k, v]) => `${awsQueryEncode(k)}=${awsQueryEncode(v)}`).join("&");
}

type Sha256Source = string | ArrayBuffer | ArrayBufferView;
function toBuffer(d: Sha256Source): Buffer {
  if (typeof d === "string") return Buffer.from(d, "utf8");
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

/** SHA-256 / HMAC-SHA256 on node:crypto in the shape @smithy/signature-v4 takes (its `Checksum` interface). */
class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #h: import("node:crypto").Hash | import("node:crypto").Hmac;
  constructor(secret?: Sha256Source) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret);
    this.#h = this.#make();
  }
  #make() {
    const { createHash, createHmac } = process.getBuiltinModule("node:crypto");
    return this.#secret ? createHmac("sha256", this.#secret) : createHash("sha256");
  }
  update(data: Sha256Source): void {
    this.#h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
  reset(): void {
    this.#h = this.#make();
  }
}

async function readBody(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new StsError("STS answer larger than 1 MiB", { status: 0, hint: "check --sts-endpoint" });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}

type Attempt =
  | { kind: "ok"; result: XmlElement }
  | { kind: "service"; error: StsServiceError }
  | { kind: "network"; failure: NetworkFailure; cause: unknown };

function networkError(what: string, url: string, f: NetworkFailure, timeoutMs: number, attempts: number, cause: unknown): StsError {
  const n = attempts > 1 ? `, ${attempts} attempts` : "";
  const why =
    f.kind === "timeout"
      ? `no answer from ${url} within ${timeoutMs / 1000} s`
      : f.kind === "tls"
        ? `TLS with ${url} failed: ${f.detail}`
        : f.kind === "dns"
          ? `cannot resolve the host of ${url}: ${f.detail}`
          : `cannot connect to ${url}: ${f.detail}`;
  const hint = hintFor({ networkCode: f.code })?.replace(/--endpoint\b/g, "--sts-endpoint").replace(/AWS_ENDPOINT_URL_ROLESANYWHERE/g, "AWS_ENDPOINT_URL_STS");
  return new StsError(`${what} failed: ${why} (${f.code}${n})`, {
    status: 0,
    code: f.kind === "timeout" ? "TIMEOUT" : "NETWORK",
    retryable: f.retryable,
    cause,
    ...(hint ? { hint } : {}),
  });
}

/**
 * One STS query-protocol call: `POST <endpoint>/` with a form body, SigV4
 * (service `sts`) with the caller's credentials, retried with backoff on
 * throttling, 5xx and connection errors (each attempt signed again).
 * @param what How to name the call in messages, e.g. `AssumeRole arn:aws:iam::…:role/B`.
 * @returns The `<Action>Result` element.
 * @throws StsError (code ASSUME_ROLE for refusals, NETWORK, TIMEOUT) with a hint.
 * @public
 */
export async function callSts(
  cfg: StsCallConfig,
  action: string,
  params: ReadonlyArray<readonly [string, string]>,
  caller: StsCaller | null,
  what: string,
  opts: StsCallOptions = {},
): Promise<XmlElement> {
  const clock = opts.clock ?? systemClock;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const ep = cfg.endpoint;
  const url = `${ep.origin}${ep.path}`;
  const body = queryBody(action, params);
  // As CreateSession: undici only when a proxy is set for a non-loopback endpoint (it applies NO_PROXY) or a dispatcher is given.
  const proxies = { httpProxy: cfg.proxy.httpProxy.reveal(), httpsProxy: cfg.proxy.httpsProxy.reveal() };
  const direct = !opts.dispatcher && proxySettingFor(new URL(ep.origin), proxies) === undefined;
  const [{ SignatureV4 }, undici] = await Promise.all([
    caller === null ? { SignatureV4: undefined as unknown as typeof import("@smithy/signature-v4").SignatureV4 } : import("@smithy/signature-v4"),
    direct ? undefined : Promise.all([import("undici"), opts.dispatcher ? Promise.resolve(opts.dispatcher) : createDefaultDispatcher(cfg)]),
  ]);
  const ownDispatcher = undici !== undefined && !opts.dispatcher;
  // caller null: an unsigned call (AssumeRoleWithSAML); the signer is then neither loaded nor used.
  const signer = caller === null ? undefined : new SignatureV4({
    credentials: {
      accessKeyId: caller.accessKeyId,
      secretAccessKey: caller.secretAccessKey.reveal(),
      ...(caller.sessionToken && caller.sessionToken.reveal() !== "" ? { sessionToken: caller.sessionToken.reveal() } : {}),
    },
    region: ep.signingRegion,
    service: "sts",
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const ua = opts.userAgent ?? userAgent();

  const attempt = async (n: number): Promise<Attempt> => {
    const unsigned = { headers: { host: ep.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" } };
    const signed = signer === undefined ? unsigned : await signer.sign(
      {
        method: "POST",
        protocol: ep.protocol,
        hostname: ep.hostname,
        ...(ep.port !== undefined ? { port: ep.port } : {}),
        path: ep.path,
        query: {},
        headers: { host: ep.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body,
      },
      { signingDate: new Date(clock.now()) },
    );
    const headers: Record<string, string> = { ...(signed.headers as Record<string, string>), "user-agent": ua };
    if (opts.debug) {
      const names = Object.keys(headers).sort().join(";");
      opts.debug(`STS ${action} attempt ${n}/${cfg.maxAttempts}: POST ${url} (${signer ? `SigV4 for region ${ep.signingRegion}` : "unsigned"}; headers ${names}; values of authorization and x-amz-security-token not shown)`);
    }
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      let res: { statusCode: number; headers: unknown; body: AsyncIterable<Uint8Array> };
      if (undici) {
        const controller = new AbortController();
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort(new Error("STS attempt timed out"));
        }, cfg.timeoutMs);
        res = await undici[0].request(url, {
          method: "POST",
          headers,
          body,
          dispatcher: undici[1],
          signal: controller.signal,
          headersTimeout: cfg.timeoutMs,
          bodyTimeout: cfg.timeoutMs,
        });
      } else {
        res = await directRequest({ method: "POST", url, headers, body, timeoutMs: cfg.timeoutMs, tls: cfg.tls, maxBodyBytes: MAX_BODY_BYTES });
      }
      const text = await readBody(res.body);
      const rh = res.headers as Record<string, string | string[] | undefined>;
      if (opts.debug) opts.debug(`STS ${action} response: HTTP ${res.statusCode}`);
      if (res.statusCode < 200 || res.statusCode >= 300) return { kind: "service", error: parseStsError(res.statusCode, rh, text) };
      return { kind: "ok", result: parseStsResult(what, action, res.statusCode, rh, text) };
    } catch (err) {
      if (err instanceof StsError) throw err;
      return { kind: "network", failure: classifyNetworkError(err, timedOut), cause: err };
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    for (let n = 1; ; n++) {
      const r = await attempt(n);
      if (r.kind === "ok") return r.result;
      const retryable = r.kind === "service" ? isRetryableStsError(r.error) : r.failure.retryable;
      if (!retryable || n >= cfg.maxAttempts) {
        if (r.kind === "service") throw stsErrorToException(what, r.error, n);
        throw networkError(what, url, r.failure, cfg.timeoutMs, n, r.cause);
      }
      const throttled = r.kind === "service" && (r.error.status === 429 || /Throttl/i.test(r.error.awsCode ?? ""));
      const delay = backoffDelayMs(n, random, throttled);
      if (opts.debug) opts.debug(`STS ${action} attempt ${n} failed; retrying in ${delay} ms`);
      await sleep(delay);
    }
  } finally {
    if (ownDispatcher) await undici[1].close().catch(() => undefined);
  }
}
