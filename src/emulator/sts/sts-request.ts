import type { IncomingMessage } from "node:http";

/**
 * The parts of an HTTP request the STS side reads, as plain data so that
 * authentication and the actions stay pure and testable without sockets.
 * @internal
 */
export interface StsRequest {
  method: string;
  /** The path exactly as sent on the wire (still percent-encoded), "/" when empty. */
  path: string;
  /** The query string exactly as sent, without the leading "?" ("" when none). */
  rawQuery: string;
  /** Header values by lower-case name, in the order received. */
  headers: Record<string, string[]>;
  body: Buffer;
}

/** Splits a request target into its raw path and raw query string. @internal */
export function splitTarget(target: string): { path: string; rawQuery: string } {
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  return { path: path === "" ? "/" : path, rawQuery: q < 0 ? "" : target.slice(q + 1) };
}

/** Reads an `StsRequest` from a Node request whose body was already read. @internal */
export function toStsRequest(req: IncomingMessage, body: Buffer): StsRequest {
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values;
  }
  return { method: req.method ?? "GET", ...splitTarget(req.url ?? "/"), headers, body };
}

/** The first value of a header, or undefined. @internal */
export function header(req: StsRequest, name: string): string | undefined {
  return req.headers[name.toLowerCase()]?.[0];
}
