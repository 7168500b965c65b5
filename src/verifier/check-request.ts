import { DEFAULT_AUDIENCE_HEADER, K8S_AUDIENCE_HEADER, STS_API_VERSION, VAULT_AUDIENCE_HEADER } from "../identity-token-wire.js";
import { refuse } from "./errors.js";
import type { StsCall } from "./decode.js";
import { checkUrl, type NamedEndpoint } from "./endpoints.js";

/** What the local checks need. @internal */
export interface RequestPolicy {
  audience: string;
  /** Audience header of the `url` and `akeyless` formats (lower case). */
  audienceHeader: string;
  named: readonly NamedEndpoint[];
  maxAgeSeconds: number;
  /** Milliseconds since the epoch. */
  now: number;
}

/** A request that passed every local check: what to send, and what identifies its signature. @internal */
export interface CheckedRequest {
  method: "GET" | "POST";
  url: URL;
  headers: Array<[string, string]>;
  body: string;
  signature: string;
  accessKeyId: string;
  signedAt: number;
}

/** Longest X-Amz-Expires accepted (STS keeps presigned requests 15 minutes anyway). @internal */
export const MAX_EXPIRES_SECONDS = 900;
/** How far in the future a signing date may be. @internal */
export const MAX_FUTURE_SECONDS = 300;

/** The SigV4 query parameters of a presigned request. */
const PRESIGN_PARAMS = new Set([
  "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
]);
/** Headers a signed POST may carry besides the audience: SigV4's and the framing of a form body. */
const POST_HEADERS = new Set([
  "authorization", "host", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "content-type", "content-length", "user-agent",
]);

/** The audience header each format binds the token with. @internal */
export function audienceHeaderOf(format: StsCall["format"], custom: string): string {
  if (format === "vault") return VAULT_AUDIENCE_HEADER.toLowerCase();
  if (format === "k8s") return K8S_AUDIENCE_HEADER;
  return custom.toLowerCase();
}

/** Form or query parameters, refusing duplicates (after decoding) and anything but the allowed names. */
function params(raw: string, allowed: (name: string) => boolean, where: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === "") return out;
  for (const [name, value] of new URLSearchParams(raw)) {
    if (out.has(name)) refuse("PARAMETER_DUPLICATED", `the ${where} has the parameter '${name}' twice`);
    out.set(name, value);
  }
  const action = out.get("Action");
  if (action !== "GetCallerIdentity") {
    refuse("ACTION_NOT_ALLOWED", action === undefined ? `the ${where} has no Action` : `the ${where} asks for ${action}, not GetCallerIdentity`);
  }
  for (const name of out.keys()) {
    if (!allowed(name)) refuse("PARAMETER_NOT_ALLOWED", `the ${where} has the parameter '${name}', which is not allowed`);
  }
  if (out.get("Version") !== STS_API_VERSION) refuse("PARAMETER_NOT_ALLOWED", `the ${where} has no Version=${STS_API_VERSION}`);
  return out;
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parseAmzDate(value: string | undefined): number {
  const m = value === undefined ? null : AMZ_DATE.exec(value);
  if (!m) refuse("SIGNATURE_MALFORMED", "the signing date (X-Amz-Date) is missing or not YYYYMMDDTHHMMSSZ");
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(t).getUTCDate() !== d || h > 23 || mi > 59 || s > 59) refuse("SIGNATURE_MALFORMED", "the signing date is not a real date");
  return t;
}

interface SigV4Parts {
  credential: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
}

function checkSigV4(p: SigV4Parts, algorithm: string | undefined): { accessKeyId: string; signedAt: number } {
  if (algorithm !== "AWS4-HMAC-SHA256") refuse("SIGNATURE_MALFORMED", "the signature is not AWS4-HMAC-SHA256");
  const parts = p.credential.split("/");
  if (parts.length !== 5 || parts.some((x) => x === "") || parts[3] !== "sts" || parts[4] !== "aws4_request") {
    refuse("SIGNATURE_MALFORMED", "the credential scope is not <key>/<date>/<region>/sts/aws4_request");
  }
  if (!/^[0-9a-f]{64}$/.test(p.signature)) refuse("SIGNATURE_MALFORMED", "the signature is not 64 hex digits");
  if (p.signedHeaders.some((n) => n === "" || n !== n.toLowerCase()) || !p.signedHeaders.includes("host")) {
    refuse("SIGNATURE_MALFORMED", "the signed headers are not a lower-case list that includes host");
  }
  const signedAt = parseAmzDate(p.amzDate);
  if (parts[1] !== p.amzDate.slice(0, 8)) refuse("SIGNATURE_MALFORMED", "the credential scope's date is not the signing date");
  return { accessKeyId: parts[0]!, signedAt };
}

function checkTime(signedAt: number, policy: RequestPolicy): void {
  const age = (policy.now - signedAt) / 1000;
  if (age > policy.maxAgeSeconds) refuse("SIGNED_TOO_LONG_AGO", `the token was signed ${Math.floor(age)} s ago, more than ${policy.maxAgeSeconds} s`);
  if (-age > MAX_FUTURE_SECONDS) refuse("SIGNED_IN_FUTURE", `the token is signed ${Math.ceil(-age)} s in the future, more than ${MAX_FUTURE_SECONDS} s`);
}

function checkGet(call: StsCall, url: URL, policy: RequestPolicy): CheckedRequest {
  if (call.body !== "") refuse("PARAMETER_NOT_ALLOWED", "a presigned GET has no body");
  const q = params(url.search.slice(1), (n) => n === "Action" || n === "Version" || PRESIGN_PARAMS.has(n), "query string");
  const audienceHeader = audienceHeaderOf(call.format, policy.audienceHeader);
  const signedHeaders = (q.get("X-Amz-SignedHeaders") ?? "").split(";");
  const { accessKeyId, signedAt } = checkSigV4({
    credential: q.get("X-Amz-Credential") ?? "",
    signedHeaders,
    signature: q.get("X-Amz-Signature") ?? "",
    amzDate: q.get("X-Amz-Date") ?? "",
  }, q.get("X-Amz-Algorithm"));
  if (!signedHeaders.includes(audienceHeader)) refuse("AUDIENCE_NOT_SIGNED", `the audience header ${audienceHeader} is not among the signed headers`);
  const other = signedHeaders.find((n) => n !== "host" && n !== audienceHeader);
  if (other !== undefined) refuse("HEADER_NOT_ALLOWED", `the token signs the header '${other}', which is not allowed`);
  const expires = q.get("X-Amz-Expires");
  if (expires !== undefined) {
    if (!/^\d{1,6}$/.test(expires) || Number(expires) < 1) refuse("SIGNATURE_MALFORMED", "X-Amz-Expires is not a whole number of seconds");
    if (Number(expires) > MAX_EXPIRES_SECONDS) refuse("EXPIRES_TOO_LONG", `X-Amz-Expires is ${expires}, more than ${MAX_EXPIRES_SECONDS}`);
  }
  checkTime(signedAt, policy);
  // The token carries no header values: the audience is the one this verifier expects. A
  // token signed for another audience then fails STS's signature check.
  return {
    method: "GET", url, body: "", signature: q.get("X-Amz-Signature")!, accessKeyId, signedAt,
    headers: [["Host", url.host], [audienceHeader, policy.audience]],
  };
}

function parseAuthorization(value: string | undefined): { algorithm: string; fields: Map<string, string> } {
  if (value === undefined) refuse("SIGNATURE_MALFORMED", "the request has no Authorization header");
  const space = value.indexOf(" ");
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(",")) {
    const item = part.trim();
    const eq = item.indexOf("=");
    if (eq < 0 || fields.has(item.slice(0, eq))) refuse("SIGNATURE_MALFORMED", "the Authorization header is malformed");
    fields.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return { algorithm: space < 0 ? value : value.slice(0, space), fields };
}

function checkPost(call: StsCall, url: URL, policy: RequestPolicy): CheckedRequest {
  if (url.search !== "") refuse("PARAMETER_NOT_ALLOWED", "a signed POST has no query string");
  const audienceHeader = audienceHeaderOf(call.format, policy.audienceHeader);
  const headers = new Map<string, string>();
  for (const [name, value] of call.headers) {
    const lower = name.toLowerCase();
    if (headers.has(lower)) refuse("HEADER_DUPLICATED", `the request has the header '${name}' twice`);
    if (!POST_HEADERS.has(lower) && lower !== audienceHeader) refuse("HEADER_NOT_ALLOWED", `the request has the header '${name}', which is not allowed`);
    if (/[\r\n\0]/.test(value)) refuse("TOKEN_MALFORMED", `the header '${name}' has a line break`);
    headers.set(lower, value);
  }
  const host = headers.get("host");
  if (host !== undefined && host !== url.host) refuse("HOST_NOT_ALLOWED", "the Host header is not the URL's host");
  const type = headers.get("content-type");
  if (type === undefined || !/^application\/x-www-form-urlencoded(\s*;\s*charset=utf-8)?$/i.test(type)) {
    refuse("HEADER_NOT_ALLOWED", "the Content-Type is not application/x-www-form-urlencoded");
  }
  params(call.body, (n) => n === "Action" || n === "Version", "body");
  const length = headers.get("content-length");
  if (length !== undefined && length !== String(Buffer.byteLength(call.body, "utf8"))) {
    refuse("TOKEN_MALFORMED", "the Content-Length is not the body's length");
  }
  const auth = parseAuthorization(headers.get("authorization"));
  const signedHeaders = (auth.fields.get("SignedHeaders") ?? "").split(";");
  const { accessKeyId, signedAt } = checkSigV4({
    credential: auth.fields.get("Credential") ?? "",
    signedHeaders,
    signature: auth.fields.get("Signature") ?? "",
    amzDate: headers.get("x-amz-date") ?? "",
  }, auth.algorithm);
  if (!signedHeaders.includes("x-amz-date")) refuse("SIGNATURE_MALFORMED", "X-Amz-Date is not signed");
  const missing = signedHeaders.find((n) => n !== "host" && !headers.has(n));
  if (missing !== undefined) refuse("SIGNATURE_MALFORMED", `the signed header '${missing}' is not in the request`);
  const audience = headers.get(audienceHeader);
  if (audience === undefined) refuse("AUDIENCE_MISSING", `the request has no ${audienceHeader} header`);
  if (!signedHeaders.includes(audienceHeader)) refuse("AUDIENCE_NOT_SIGNED", `the ${audienceHeader} header is not among the signed headers`);
  if (audience !== policy.audience) refuse("AUDIENCE_MISMATCH", `the token is for another audience (${audienceHeader} differs)`);
  checkTime(signedAt, policy);
  const out: Array<[string, string]> = [];
  if (host === undefined) out.push(["Host", url.host]);
  for (const [name, value] of call.headers) out.push([name, value]);
  return { method: "POST", url, headers: out, body: call.body, signature: auth.fields.get("Signature")!, accessKeyId, signedAt };
}

/**
 * Every local check of a decoded token, in order: URL (see checkUrl), method
 * for the format, then parameters, headers, signature syntax, audience and
 * signing time. Pure; nothing is sent.
 * @throws IdentityTokenError with the code of the first failed check.
 * @internal
 */
export function checkRequest(call: StsCall, policy: RequestPolicy): CheckedRequest {
  const url = checkUrl(call.url, policy.named);
  const expected = call.format === "vault" || call.format === "akeyless" ? "POST" : "GET";
  if (call.method !== expected) refuse("METHOD_NOT_ALLOWED", `a ${call.format} token must be ${expected}, not ${call.method}`);
  return expected === "GET" ? checkGet(call, url, policy) : checkPost(call, url, policy);
}

export { DEFAULT_AUDIENCE_HEADER };
