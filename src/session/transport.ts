import type { Dispatcher } from "undici";
import type { ResolvedSessionConfig } from "./config.js";
import { isLoopbackHost } from "./endpoint.js";

/*
 * The two HTTP paths of CreateSession:
 * - direct (no proxy applies): node:http / node:https, one request on a
 *   connection of its own (no agent, "Connection: close"), so nothing holds the
 *   process open after the answer;
 * - a proxy is set for the endpoint's scheme, or a dispatcher is injected:
 *   undici (EnvHttpProxyAgent: absolute-form requests to an HTTP proxy, CONNECT
 *   tunnels for https, NO_PROXY applied by undici itself). undici is imported
 *   only then: it costs a process 30 ms or more to load.
 * A loopback endpoint (localhost, 127.0.0.0/8, [::1]) never goes through a
 * proxy, as with the official helper (Go's proxy rules).
 * Both paths: HTTP/1.1, TLS 1.2 or later verified against the default roots or
 * AWS_CA_BUNDLE unless --no-verify-ssl, one time limit per attempt.
 */

// Set by scripts/build.mjs (esbuild `define`); undefined when src/ runs as is (tests).
declare const __PACKAGE_VERSION__: string | undefined;

let cachedVersion: string | undefined = typeof __PACKAGE_VERSION__ === "string" ? __PACKAGE_VERSION__ : undefined;

/** This package's version: built in, else from its package.json (two folders up in src/). */
function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const { readFileSync } = process.getBuiltinModule("node:fs");
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
      cachedVersion = typeof pkg.version === "string" ? pkg.version : "0.0.0";
    } catch {
      cachedVersion = "0.0.0";
    }
  }
  return cachedVersion;
}

/**
 * The User-Agent of CreateSession requests:
 * `rolesanywhere-signing-helper/<version> (node/<version>; <platform>; <arch>)`. Not signed.
 * @public
 */
export function userAgent(version: string = packageVersion()): string {
  return `rolesanywhere-signing-helper/${version} (node/${process.versions.node}; ${process.platform}; ${process.arch})`;
}

/**
 * The proxy setting that sends a request to `url` to undici, or undefined for a
 * direct request: a loopback host never goes through a proxy; an https URL uses
 * HTTPS_PROXY, else HTTP_PROXY; an http URL HTTP_PROXY only (undici's choice).
 * NO_PROXY is left to undici. Pure.
 * @internal
 */
export function proxySettingFor(url: URL, proxy: { httpProxy: string; httpsProxy: string }): "httpsProxy" | "httpProxy" | undefined {
  if (isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === "https:" && proxy.httpsProxy !== "") return "httpsProxy";
  return proxy.httpProxy !== "" ? "httpProxy" : undefined;
}

/**
 * The HTTP client of CreateSession when a proxy is set (see above): an undici
 * EnvHttpProxyAgent fed the proxies resolved from the environment, TLS 1.2+
 * verified against the default roots or AWS_CA_BUNDLE (unless --no-verify-ssl),
 * HTTP/1.1 only, connect/headers/body timeouts.
 * @internal
 */
export async function createDefaultDispatcher(cfg: Pick<ResolvedSessionConfig, "tls" | "proxy" | "timeoutMs">): Promise<Dispatcher> {
  const { EnvHttpProxyAgent } = await import("undici");
  const tls = {
    rejectUnauthorized: cfg.tls.rejectUnauthorized,
    minVersion: "TLSv1.2" as const,
    ...(cfg.tls.ca !== undefined ? { ca: cfg.tls.ca } : {}),
  };
  const options = {
    // "" (not undefined) stops undici from reading process.env itself.
    httpProxy: cfg.proxy.httpProxy.reveal(),
    httpsProxy: cfg.proxy.httpsProxy.reveal(),
    noProxy: cfg.proxy.noProxy,
    allowH2: false,
    connect: { ...tls, timeout: cfg.timeoutMs },
    requestTls: tls,
    proxyTunnel: false,
    headersTimeout: cfg.timeoutMs,
    bodyTimeout: cfg.timeoutMs,
  };
  return new EnvHttpProxyAgent(options as ConstructorParameters<typeof EnvHttpProxyAgent>[0]);
}

/** One request of a direct connection. @internal */
export interface DirectRequest {
  method: string;
  /** Absolute http: or https: URL. */
  url: string;
  /** Header names lower case; Host, Content-Length and Connection are added by node:http. */
  headers: Record<string, string>;
  body: string;
  /** Time limit of the whole request (connect, TLS, headers and body), in ms: past it the request fails with code ETIMEDOUT. */
  timeoutMs: number;
  tls: { rejectUnauthorized: boolean; ca?: string };
  /** Body bytes kept at most: a longer body is cut one byte past it (the caller then sees it is too long) and the connection closed. */
  maxBodyBytes: number;
}

/** The answer: status, headers (names lower case, as node:http gives them), body. @internal */
export interface DirectResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Sends one request with node:http or node:https (loaded on first use) on a
 * connection of its own, and resolves with the whole answer. Errors keep
 * Node's codes (ECONNREFUSED, ECONNRESET, TLS codes, HPE_* for an answer that
 * is not HTTP), which retry.ts classifies.
 * @internal
 */
export function directRequest(req: DirectRequest): Promise<DirectResponse> {
  const url = new URL(req.url);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.reject(new TypeError(`unsupported URL scheme ${url.protocol}`));
  const body = Buffer.from(req.body, "utf8");
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | undefined, res?: DirectResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined) {
        request?.destroy();
        reject(err);
      } else {
        resolve(res as DirectResponse);
      }
    };
    const timer = setTimeout(() => settle(timeoutError(req.timeoutMs)), req.timeoutMs);
    let request: import("node:http").ClientRequest | undefined;
    try {
      const options = {
        method: req.method,
        // URL keeps the brackets of an IPv6 literal in hostname.
        hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers: { ...req.headers, "content-length": String(body.length) },
        // No agent: a connection of its own, "Connection: close", closed after the answer.
        agent: false,
        // node:https sends SNI for a host name only, and checks an IP address against the certificate's IP SANs.
        ...(secure ? { rejectUnauthorized: req.tls.rejectUnauthorized, minVersion: "TLSv1.2" as const, ...(req.tls.ca !== undefined ? { ca: req.tls.ca } : {}) } : {}),
      };
      request = process.getBuiltinModule(secure ? "node:https" : "node:http").request(options, (res) => {
        const parts: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          const room = req.maxBodyBytes + 1 - size;
          parts.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          size += Math.min(chunk.length, room);
          if (size > req.maxBodyBytes) {
            // Past the limit: the rest is never read; the connection closes now.
            settle(undefined, answer(res, parts));
            res.destroy();
          }
        });
        res.on("end", () => settle(undefined, answer(res, parts)));
        res.on("error", (err) => settle(err));
      });
      request.on("error", (err) => settle(err));
      request.end(body);
    } catch (err) {
      // An invalid header name or value (ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN), before anything is sent.
      settle(err as Error);
    }
  });
}

function answer(res: import("node:http").IncomingMessage, parts: Buffer[]): DirectResponse {
  const body = Buffer.concat(parts);
  return { statusCode: res.statusCode ?? 0, headers: res.headers, body: oneChunk(body) };
}

async function* oneChunk(body: Buffer): AsyncIterable<Uint8Array> {
  if (body.length > 0) yield body;
}

/** The request ran out of time (retry.ts classifies ETIMEDOUT as a timeout). */
function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no complete answer within ${ms} ms`), { name: "TimeoutError", code: "ETIMEDOUT" });
}
