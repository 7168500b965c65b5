import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../clock.js";
import type { CredentialSource, Credentials } from "../../credentials/types.js";

/**
 * The path of a request without its query string. Absolute-form targets
 * (`GET http://host/path`) are reduced to their path.
 * @internal
 */
export function requestPath(req: IncomingMessage): string {
  let target = req.url ?? "/";
  if (!target.startsWith("/")) {
    try {
      target = new URL(target).pathname;
    } catch {
      return target;
    }
  }
  const q = target.search(/[?#]/);
  return q >= 0 ? target.slice(0, q) : target;
}

/** The first value of a request header, or undefined. @internal */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Sends a JSON body (with a trailing newline) and closes the response. @internal */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Sends a plain-text body (Go's `http.Error` shape: text plus newline) and closes the response. @internal */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Sends an empty response. @internal */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Length": 0, ...headers });
  res.end();
}

/** The JSON body of a 503 when no valid credentials are held. @internal */
export const CREDENTIALS_UNAVAILABLE = {
  Code: "CredentialsUnavailable",
  Message: "no valid credentials are held right now: the refresh is being retried",
} as const;

/**
 * The source's credentials if they may be served now: all fields non-empty and
 * the expiration still ahead of the clock. A second check on top of the
 * source's own promise, so an empty or expired credential is never served.
 * @internal
 */
export function usableCredentials(source: CredentialSource, clock: Clock): Credentials | undefined {
  const creds = source.current();
  if (!creds) return undefined;
  if (!creds.accessKeyId || !creds.secretAccessKey.reveal() || !creds.sessionToken.reveal()) return undefined;
  const exp = creds.expiration.getTime();
  if (!Number.isFinite(exp) || exp <= clock.now()) return undefined;
  return creds;
}
