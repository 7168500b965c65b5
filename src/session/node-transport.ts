import type { IncomingHttpHeaders } from "node:http";

/*
 * Why not undici for every request: importing undici alone costs a process
 * 30 to over 100 ms (one to four times `node -e 0` on the team's machines), at
 * least the whole start-up budget of `credential-process` (the AWS SDKs start
 * it for every credential refresh), and its keep-alive socket kept the process
 * alive for a while after the answer. node:http and node:https load in a few
 * milliseconds. So a request that goes through no proxy is sent here;
 * undici (EnvHttpProxyAgent) stays for proxied requests, which it does well
 * (absolute-form requests, CONNECT tunnels), and for an injected dispatcher.
 * The semantics are undici's: HTTP/1.1, TLS 1.2 or later verified against the
 * default roots or AWS_CA_BUNDLE unless --no-verify-ssl, and one time limit per
 * attempt (create-session.ts aborts `signal`, which covers connect, headers and
 * body alike). Errors keep Node's codes (ECONNREFUSED, ECONNRESET, TLS codes),
 * which retry.ts classifies as it does undici's.
 */

/** One request of a direct connection. @internal */
export interface DirectRequest {
  method: string;
  /** Absolute http: or https: URL. */
  url: string;
  /** Header names lower case; `content-length` is added here. */
  headers: Record<string, string>;
  body: string;
  /** Aborting it ends the request (connect, headers or body) with an error. */
  signal: AbortSignal;
  tls: { rejectUnauthorized: boolean; ca?: string };
}

/** The answer: status, headers (names lower case), body stream. @internal */
export interface DirectResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Uint8Array>;
}

/**
 * Sends one request with node:http or node:https on a connection of its own,
 * closed after the answer (no keep-alive: nothing holds the process open).
 * Resolves when the response headers are in; the body is read by the caller.
 * @internal
 */
export function directRequest(req: DirectRequest): Promise<DirectResponse> {
  const secure = req.url.startsWith("https:");
  // Through getBuiltinModule: loaded when a request is made, not with this module.
  const request: typeof import("node:https").request = secure
    ? process.getBuiltinModule("node:https").request
    : process.getBuiltinModule("node:http").request;
  return new Promise((resolve, reject) => {
    const r = request(
      req.url,
      {
        method: req.method,
        headers: { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) },
        // A one-off agent without keep-alive: the socket closes after the response.
        agent: false,
        signal: req.signal,
        ...(secure
          ? {
              rejectUnauthorized: req.tls.rejectUnauthorized,
              minVersion: "TLSv1.2" as const,
              ...(req.tls.ca !== undefined ? { ca: req.tls.ca } : {}),
            }
          : {}),
      },
      (res) => {
        // Once the whole body is in, close the socket at once rather than after
        // the FIN exchange: nothing is left to keep the process alive.
        res.once("end", () => r.destroy());
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
      },
    );
    // Not once(): an abort after the response has started emits another error.
    r.on("error", reject);
    r.end(req.body);
  });
}
