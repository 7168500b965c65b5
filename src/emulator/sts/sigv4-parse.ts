import { header, type StsRequest } from "./sts-request.js";
import { faults, type StsFault } from "./sts-fault.js";

/** The only algorithm the STS side accepts. @internal */
export const HMAC_ALGORITHM = "AWS4-HMAC-SHA256";
/** Longest presigned validity SigV4 allows (7 days). */
const MAX_EXPIRES_SECONDS = 604800;

/**
 * The SigV4 authorization of one request, from its Authorization header or
 * (presigned) from its query string.
 * @internal
 */
export interface SigV4Auth {
  mode: "header" | "query";
  accessKeyId: string;
  /** The credential scope's parts. */
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  /** Lower-case header names, in the order given. */
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date, `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  /** X-Amz-Date as ms since the epoch. */
  signedAt: number;
  securityToken?: string;
  /** Presigned only: X-Amz-Expires in seconds. */
  expiresSeconds?: number;
}

/** Result of parsing. @internal */
export type ParseResult = { ok: true; auth: SigV4Auth } | { ok: false; fault: StsFault };

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `YYYYMMDDTHHMMSSZ` to ms since the epoch; undefined when malformed or not a real date. @internal */
export function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h
    || back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  return t;
}

/**
 * Reads the SigV4 authorization of a request. Header mode wins when an
 * Authorization header is present; otherwise `X-Amz-Algorithm` in the query
 * string selects presigned mode; otherwise the request is unauthenticated.
 * Checks syntax only: which key, which secret, and the signature come later.
 * @internal
 */
export function parseSigV4(req: StsRequest): ParseResult {
  const authorization = header(req, "authorization");
  if (authorization !== undefined) return parseHeaderAuth(req, authorization);
  const query = new URLSearchParams(req.rawQuery);
  if (query.has("X-Amz-Algorithm")) return parseQueryAuth(query);
  return { ok: false, fault: faults.missingAuth() };
}

function parseHeaderAuth(req: StsRequest, authorization: string): ParseResult {
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== HMAC_ALGORITHM) {
    return bad(`Unsupported AWS 'algorithm': '${algorithm}'`, "Authorization algorithm is not AWS4-HMAC-SHA256");
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || fields.has(key)) return bad(`Authorization header has a malformed or repeated element: '${key}'.`);
    fields.set(key, item.slice(eq + 1));
  }
  const missing = ["Credential", "Signature", "SignedHeaders"].filter((k) => !fields.get(k));
  if (missing.length > 0) {
    return bad(missing.map((k) => `Authorization header requires '${k}' parameter.`).join(" "));
  }
  const amzDate = header(req, "x-amz-date");
  if (amzDate === undefined) {
    return bad("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      "no X-Amz-Date header (the Date header alone is not accepted)");
  }
  const token = header(req, "x-amz-security-token");
  return finish("header", fields.get("Credential")!, fields.get("SignedHeaders")!, fields.get("Signature")!, amzDate, token);
}

function parseQueryAuth(query: URLSearchParams): ParseResult {
  const algorithm = query.get("X-Amz-Algorithm")!;
  if (algorithm !== HMAC_ALGORITHM) {
    return bad(`Unsupported AWS 'algorithm': '${algorithm}'`, "X-Amz-Algorithm is not AWS4-HMAC-SHA256");
  }
  const missing = ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"].filter((k) => !query.get(k));
  if (missing.length > 0) return bad(missing.map((k) => `AWS query-string parameters must include '${k}'.`).join(" "));
  const result = finish("query", query.get("X-Amz-Credential")!, query.get("X-Amz-SignedHeaders")!,
    query.get("X-Amz-Signature")!, query.get("X-Amz-Date")!, query.get("X-Amz-Security-Token") ?? undefined);
  if (!result.ok) return result;
  const expires = query.get("X-Amz-Expires");
  if (expires !== null) {
    const n = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
    if (!(n >= 1 && n <= MAX_EXPIRES_SECONDS)) {
      return bad(`X-Amz-Expires must be an integer between 1 and ${MAX_EXPIRES_SECONDS}, got '${expires}'.`);
    }
    result.auth.expiresSeconds = n;
  }
  return result;
}

function finish(mode: SigV4Auth["mode"], credential: string, signedHeaders: string, signature: string,
  amzDate: string, securityToken: string | undefined): ParseResult {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) {
    return bad(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts as [string, string, string, string, string];
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return bad(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  }
  const names = signedHeaders.split(";");
  if (names.some((n) => n === "" || n !== n.toLowerCase())) {
    return bad(`SignedHeaders must be a ';'-separated list of lower-case header names, got '${signedHeaders}'.`);
  }
  if (!names.includes("host")) return bad("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  if (mode === "header" && !names.includes("x-amz-date")) {
    return bad("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const auth: SigV4Auth = { mode, accessKeyId, scopeDate, region, service, terminator, signedHeaders: names, signature, amzDate, signedAt };
  if (securityToken !== undefined) auth.securityToken = securityToken;
  return { ok: true, auth };
}

function bad(message: string, reason?: string): { ok: false; fault: StsFault } {
  return { ok: false, fault: faults.incomplete(message, reason) };
}
