import { createHash, createHmac } from "node:crypto";

/*
 * Server-side SigV4 (HMAC-SHA256) canonicalization, written from the SigV4
 * specification for the emulator alone: it shares no code with the client's
 * signer, so a bug in one cannot hide a bug in the other. Everything here is
 * pure: strings and bytes in, strings out.
 */

/** Lower-case hex SHA-256. @internal */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~` is escaped, hex upper-case. @internal */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical URI: the wire path with `.`/`..`/empty segments removed (a
 * trailing slash kept), then each segment percent-encoded once more, as SigV4
 * requires for every service but S3.
 * @internal
 */
export function canonicalUri(wirePath: string): string {
  const segments: string[] = [];
  for (const seg of wirePath.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  const trailing = segments.length > 0 && wirePath.endsWith("/") ? "/" : "";
  return "/" + segments.map(uriEncode).join("/") + trailing;
}

/**
 * The canonical query string: each name and value decoded from the wire and
 * re-encoded per RFC 3986, sorted by name then value, `X-Amz-Signature`
 * left out when `withoutSignature` (presigned requests).
 * @internal
 */
export function canonicalQuery(rawQuery: string, withoutSignature: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const item of rawQuery.split("&")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = uriEncode(safeDecode(eq < 0 ? item : item.slice(0, eq)));
    const value = eq < 0 ? "" : uriEncode(safeDecode(item.slice(eq + 1)));
    if (withoutSignature && name === "X-Amz-Signature") continue;
    pairs.push([name, value]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/**
 * The canonical headers block: one `name:value\n` line per signed header, in
 * the order of `signedHeaders` (already sorted by the client); repeated
 * values joined by commas, each trimmed with inner runs of spaces collapsed.
 * @internal
 */
export function canonicalHeaders(headers: Record<string, string[]>, signedHeaders: string[]): string {
  return signedHeaders
    .map((name) => `${name}:${(headers[name] ?? []).map((v) => v.trim().replace(/\s+/g, " ")).join(",")}\n`)
    .join("");
}

/** The parts a canonical request is built from. @internal */
export interface CanonicalInput {
  method: string;
  wirePath: string;
  rawQuery: string;
  headers: Record<string, string[]>;
  signedHeaders: string[];
  payloadHash: string;
  /** Presigned request: leave X-Amz-Signature out of the query. */
  presigned: boolean;
}

/** The SigV4 canonical request. @internal */
export function canonicalRequest(input: CanonicalInput): string {
  return [
    input.method.toUpperCase(),
    canonicalUri(input.wirePath),
    canonicalQuery(input.rawQuery, input.presigned),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
}

/** The SigV4 string to sign. @internal */
export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** The SigV4 signing key: HMAC chain over date, region, service and `aws4_request`. @internal */
export function signingKey(secretAccessKey: string, scopeDate: string, region: string, service: string): Buffer {
  let key: Buffer = Buffer.from("AWS4" + secretAccessKey, "utf8");
  for (const part of [scopeDate, region, service, "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  return key;
}

/** The hex signature of `toSign` under `key`. @internal */
export function hmacHex(key: Buffer, toSign: string): string {
  return createHmac("sha256", key).update(toSign).digest("hex");
}
