import type { Socket } from "node:net";
import { encodeRequestHead, type Http1Response, Http1ResponseParser } from "./http1.js";

/*
 * Why not undici for every request: importing undici alone costs a process
 * 30 to over 100 ms (one to four times `node -e 0` on the team's machines), at
 * least the whole start-up budget of `credential-process` (the AWS SDKs start
 * it for every credential refresh), and its keep-alive socket kept the process
 * alive for a while after the answer. So a request that goes through no proxy
 * is sent here, on a node:net or node:tls socket of its own with the small
 * HTTP/1.1 codec of http1.ts (node:http itself costs several milliseconds more
 * to load and set up); undici (EnvHttpProxyAgent) stays for proxied requests,
 * which it does well (absolute-form requests, CONNECT tunnels), and for an
 * injected dispatcher. The semantics are undici's: HTTP/1.1, TLS 1.2 or later
 * verified against the default roots or AWS_CA_BUNDLE unless --no-verify-ssl,
 * and one time limit per attempt (`timeoutMs`, which covers connect, headers
 * and body alike). Errors keep Node's codes
 * (ECONNREFUSED, ECONNRESET, TLS codes), which retry.ts classifies as it does
 * undici's.
 */

/** One request of a direct connection. @internal */
export interface DirectRequest {
  method: string;
  /** Absolute http: or https: URL. */
  url: string;
  /** Header names lower case; `host`, `content-length` and `connection` are added here when missing. */
  headers: Record<string, string>;
  body: string;
  /**
   * Time limit of the whole request (connect, TLS, headers and body), in ms: past
   * it the request fails with code ETIMEDOUT. A timer, not an AbortSignal: the
   * first AbortController and event listener of a process cost a
   * `credential-process` run about a millisecond.
   */
  timeoutMs: number;
  tls: { rejectUnauthorized: boolean; ca?: string };
  /** Body bytes kept at most: a longer body is cut one byte past it (the caller then sees it is too long) and the connection closed. */
  maxBodyBytes: number;
}

/** The answer: status, headers (names lower case), body. @internal */
export interface DirectResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: AsyncIterable<Uint8Array>;
}

/** How long a finished connection may stay open waiting for the server to close it. */
const LINGER_MS = 5_000;

/**
 * Sends one request on a connection of its own, closed by the server after
 * the answer (no keep-alive; the socket never holds the process open, and is
 * destroyed when the server sends more or keeps it open past LINGER_MS). Resolves with the
 * complete answer; a body longer than `maxBodyBytes` is cut just past that size.
 * @internal
 */
export function directRequest(req: DirectRequest): Promise<DirectResponse> {
  const url = new URL(req.url);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") return Promise.reject(new TypeError(`unsupported URL scheme ${url.protocol}`));
  // URL keeps the brackets of an IPv6 literal in hostname.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  const body = Buffer.from(req.body, "utf8");
  const headers: Record<string, string> = { ...req.headers };
  headers.host ??= url.host;
  headers["content-length"] = String(body.length);
  headers.connection ??= "close";
  let head: string;
  try {
    head = encodeRequestHead(req.method, `${url.pathname}${url.search}`, headers);
  } catch (err) {
    return Promise.reject(err);
  }

  return new Promise((resolve, reject) => {
    const parser = new Http1ResponseParser({ maxBodyBytes: req.maxBodyBytes });
    let socket: Socket;
    // Loaded when a request is made, not with this module.
    if (secure) {
      const { connect } = process.getBuiltinModule("node:tls");
      const { isIP } = process.getBuiltinModule("node:net");
      socket = connect({
        host,
        port,
        // SNI takes names only (an IP address there is deprecated).
        ...(isIP(host) === 0 ? { servername: host } : {}),
        rejectUnauthorized: req.tls.rejectUnauthorized,
        minVersion: "TLSv1.2",
        ALPNProtocols: ["http/1.1"],
        ...(req.tls.ca !== undefined ? { ca: req.tls.ca } : {}),
      });
    } else {
      socket = process.getBuiltinModule("node:net").connect({ host, port });
    }
    let settled = false;
    const settle = (err: unknown, res?: DirectResponse, truncated = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err !== undefined || truncated) {
        socket.destroy();
        if (err !== undefined) reject(err);
        else resolve(res as DirectResponse);
        return;
      }
      // The answer is whole and the request said "Connection: close": the server
      // closes the connection, which then ends here by itself. Not destroyed now:
      // that costs a `credential-process` run half a millisecond before its output
      // (Node.js builds process.stderr while closing a socket). Unreferenced, so it
      // never holds the process open; destroyed at once if the server sends more,
      // and after LINGER_MS if it keeps the connection open.
      socket.removeAllListeners("data");
      socket.on("data", () => socket.destroy());
      const linger = setTimeout(() => socket.destroy(), LINGER_MS);
      linger.unref();
      socket.once("close", () => clearTimeout(linger));
      socket.unref();
      resolve(res as DirectResponse);
    };
    const complete = (r: Http1Response): void =>
      settle(undefined, { statusCode: r.statusCode, headers: r.headers, body: oneChunk(r.body) }, r.truncated);
    const timer = setTimeout(() => settle(timeoutError(req.timeoutMs)), req.timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      try {
        const r = parser.push(chunk);
        if (r) complete(r);
      } catch (err) {
        settle(err);
      }
    });
    socket.on("end", () => {
      try {
        complete(parser.end());
      } catch (err) {
        settle(err);
      }
    });
    socket.on("error", (err) => settle(err));
    socket.on("close", () => settle(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
    // One write, buffered by the socket until it is connected (and, for TLS,
    // secured), and no Nagle delay: head and body leave in one segment, not the
    // body held back until the peer acknowledges the head.
    socket.setNoDelay(true);
    socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
  });
}

async function* oneChunk(body: Buffer): AsyncIterable<Uint8Array> {
  if (body.length > 0) yield body;
}

/** The request ran out of time (retry.ts classifies ETIMEDOUT as a timeout). */
function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no complete answer within ${ms} ms`), { name: "TimeoutError", code: "ETIMEDOUT" });
}
