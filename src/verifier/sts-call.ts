import type { IncomingMessage } from "node:http";
import { IdentityTokenError } from "./errors.js";
import type { CheckedRequest } from "./check-request.js";

/** Default time limit of the call to STS. @internal */
export const DEFAULT_STS_TIMEOUT_MS = 10_000;
/** Longest STS answer read; an answer to GetCallerIdentity is well under 1 KiB. @internal */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** STS's answer, unparsed. @internal */
export interface StsAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends a checked request to the host it names, over node:http(s): one
 * request, no redirect followed (node:http never follows one; a 3xx is an
 * answer like any other), no proxy, the whole exchange within `timeoutMs`, at
 * most 64 KiB of answer read. TLS is verified against Node's CA store.
 * @throws IdentityTokenError STS_UNREACHABLE, STS_TIMEOUT or STS_BAD_ANSWER.
 * @internal
 */
export async function sendToSts(req: CheckedRequest, timeoutMs = DEFAULT_STS_TIMEOUT_MS): Promise<StsAnswer> {
  const mod = req.url.protocol === "https:" ? await import("node:https") : await import("node:http");
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) headers[k] = v;
  return new Promise<StsAnswer>((resolve, reject) => {
    let settled = false;
    const done = (err: IdentityTokenError | undefined, answer?: StsAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        request.destroy();
        reject(err);
      } else resolve(answer!);
    };
    const request = mod.request({
      protocol: req.url.protocol,
      hostname: req.url.hostname.startsWith("[") ? req.url.hostname.slice(1, -1) : req.url.hostname,
      port: req.url.port || undefined,
      path: req.url.pathname + req.url.search,
      method: req.method,
      headers,
      agent: false,
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) done(new IdentityTokenError("STS_BAD_ANSWER", `STS answered with more than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on("end", () => done(undefined, {
        status: res.statusCode ?? 0,
        contentType: String(res.headers["content-type"] ?? ""),
        body: Buffer.concat(chunks).toString("utf8"),
      }));
      res.on("error", (e) => done(new IdentityTokenError("STS_UNREACHABLE", `the answer from STS broke off: ${e.message}`, { cause: e })));
    });
    const timer = setTimeout(() => {
      done(new IdentityTokenError("STS_TIMEOUT", `STS did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    request.on("error", (e: NodeJS.ErrnoException) => {
      done(new IdentityTokenError("STS_UNREACHABLE", `cannot reach STS at ${req.url.host}: ${e.code ?? e.message}`, { cause: e }));
    });
    request.end(req.body === "" ? undefined : req.body);
  });
}
