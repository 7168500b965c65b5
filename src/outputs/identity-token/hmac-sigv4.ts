import { createHmac } from "node:crypto";
import { canonicalQueryString, canonicalRequest } from "../../signer/canonical-request.js";
import { formatAmzDate } from "../../signer/amz-date.js";
import { sha256Hex } from "../../signer/hash.js";

/**
 * Standard SigV4 (AWS4-HMAC-SHA256) for STS requests, pure: the canonical
 * request comes from src/signer (the same canonicalization that signs
 * CreateSession), the signing key and the signature from HMAC-SHA256 here.
 * The signing date is always passed in.
 */

/** The only algorithm STS tokens use. @internal */
export const HMAC_ALGORITHM = "AWS4-HMAC-SHA256";

/** Plain AWS keys, as the signer needs them. @internal */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What both signing modes share. @internal */
interface SignBase {
  keys: AwsKeys;
  /** The STS endpoint; its path is signed as is (normally "/"). */
  endpoint: URL;
  /** Signing region (us-east-1 for the global endpoint). */
  region: string;
  date: Date;
}

function signingKey(secret: string, day: string, region: string): Buffer {
  const h = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
  return h(h(h(h(`AWS4${secret}`, day), region), "sts"), "aws4_request");
}

function signature(keys: AwsKeys, amzDate: string, scope: string, canonical: string, region: string): string {
  const toSign = [HMAC_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
  return createHmac("sha256", signingKey(keys.secretAccessKey, amzDate.slice(0, 8), region)).update(toSign, "utf8").digest("hex");
}

const pathOf = (u: URL) => (u.pathname === "" ? "/" : u.pathname);

/**
 * A presigned GET: the operation parameters and the SigV4 ones in the query
 * string (session token included and signed), `host` plus `extraHeaders`
 * signed, payload hash of the empty body. Returns the URL with the signature
 * last, every value RFC 3986-encoded.
 * @internal
 */
export function presignGet(input: SignBase & {
  params: Record<string, string>;
  /** Headers the caller must send with the URL, signed (names in any case). */
  extraHeaders: Record<string, string>;
  expiresSeconds: number;
}): string {
  const amzDate = formatAmzDate(input.date);
  const scope = `${amzDate.slice(0, 8)}/${input.region}/sts/aws4_request`;
  const headers: Record<string, string> = { host: input.endpoint.host, ...lowerKeys(input.extraHeaders) };
  const signedHeaders = Object.keys(headers).sort().join(";");
  const query: Record<string, string> = {
    ...input.params,
    "X-Amz-Algorithm": HMAC_ALGORITHM,
    "X-Amz-Credential": `${input.keys.accessKeyId}/${scope}`,
    "X-Amz-Date": amzDate,
    "X-Amz-Expires": String(input.expiresSeconds),
    "X-Amz-SignedHeaders": signedHeaders,
  };
  if (input.keys.sessionToken !== undefined) query["X-Amz-Security-Token"] = input.keys.sessionToken;
  const canonical = canonicalRequest({ method: "GET", path: pathOf(input.endpoint), query, headers, body: "" });
  const sig = signature(input.keys, amzDate, scope, canonical, input.region);
  const u = new URL(input.endpoint.href);
  u.search = `?${canonicalQueryString(query)}&X-Amz-Signature=${sig}`;
  return u.href;
}

/**
 * A form POST signed in the Authorization header: every header given is
 * signed, plus Host (from the endpoint, unless given), X-Amz-Date and, for
 * session credentials, X-Amz-Security-Token. Returns what the caller adds to
 * its headers: the X-Amz-Date value and the Authorization value.
 * @internal
 */
export function signPost(input: SignBase & { headers: Array<[string, string]>; body: string }): {
  amzDate: string;
  authorization: string;
  signedHeaders: string;
} {
  const amzDate = formatAmzDate(input.date);
  const scope = `${amzDate.slice(0, 8)}/${input.region}/sts/aws4_request`;
  const all: Record<string, string> = {};
  for (const [k, v] of input.headers) all[k.toLowerCase()] = v;
  all["host"] ??= input.endpoint.host;
  all["x-amz-date"] = amzDate;
  if (input.keys.sessionToken !== undefined) all["x-amz-security-token"] = input.keys.sessionToken;
  const signedHeaders = Object.keys(all).sort().join(";");
  const canonical = canonicalRequest({ method: "POST", path: pathOf(input.endpoint), query: {}, headers: all, body: input.body });
  const sig = signature(input.keys, amzDate, scope, canonical, input.region);
  return {
    amzDate,
    signedHeaders,
    authorization: `${HMAC_ALGORITHM} Credential=${input.keys.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${sig}`,
  };
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
