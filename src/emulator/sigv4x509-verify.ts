/**
 * Server-side SigV4-X509 (protocol.md §1.3-§1.6), written from the spec and
 * independent of src/signer so that a bug shared by client and server cannot
 * pass the round-trip tests. Everything here is pure except `verifyX509Signature`
 * (a crypto operation).
 */
import { hash, verify, type KeyObject } from "node:crypto";
import type { CertKeyType } from "./cert-info.js";

/** The three SigV4-X509 algorithms. @internal */
export const X509_ALGORITHMS = ["AWS4-X509-RSA-SHA256", "AWS4-X509-ECDSA-SHA256", "AWS4-X509-MLDSA"] as const;
/** @internal */
export type X509Algorithm = (typeof X509_ALGORITHMS)[number];

/** The parts of an Authorization header. @internal */
export interface ParsedAuthorization {
  algorithm: string;
  /** The Credential value, e.g. `21/20240706/us-east-2/rolesanywhere/aws4_request`. */
  credential: string;
  serial: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  /** The SignedHeaders value exactly as sent. */
  signedHeadersRaw: string;
  signedHeaders: string[];
  signature: string;
}

/**
 * Parses `<Algorithm> Credential=<serial>/<date>/<region>/<service>/aws4_request,
 * SignedHeaders=<h1;h2>, Signature=<hex>`. Returns a reason string when malformed.
 * @internal
 */
export function parseAuthorization(value: string): ParsedAuthorization | string {
  const sp = value.indexOf(" ");
  if (sp <= 0) return "expected '<Algorithm> Credential=..., SignedHeaders=..., Signature=...'";
  const algorithm = value.slice(0, sp);
  const fields = new Map<string, string>();
  for (const part of value.slice(sp + 1).split(",")) {
    const p = part.trim();
    const eq = p.indexOf("=");
    if (eq <= 0) return `malformed component ${JSON.stringify(p.slice(0, 40))}`;
    const k = p.slice(0, eq);
    if (fields.has(k)) return `duplicate component ${k}`;
    fields.set(k, p.slice(eq + 1));
  }
  for (const k of fields.keys()) {
    if (k !== "Credential" && k !== "SignedHeaders" && k !== "Signature") return `unknown component ${JSON.stringify(k.slice(0, 40))}`;
  }
  const credential = fields.get("Credential");
  const signedHeadersRaw = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credential === undefined) return "missing Credential";
  if (signedHeadersRaw === undefined) return "missing SignedHeaders";
  if (signature === undefined) return "missing Signature";
  const scope = credential.split("/");
  if (scope.length !== 5) return "Credential must be <serial>/<date>/<region>/<service>/aws4_request";
  const [serial, scopeDate, scopeRegion, scopeService, scopeTerminator] = scope as [string, string, string, string, string];
  if (!/^-?\d+$/.test(serial)) return "the Credential serial must be a decimal number";
  const signedHeaders = signedHeadersRaw.split(";");
  if (signedHeaders.some((h) => h === "" || h !== h.toLowerCase() || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(h))) {
    return "SignedHeaders must be lowercase header names separated by ';'";
  }
  for (let i = 1; i < signedHeaders.length; i++) {
    if (signedHeaders[i - 1]! >= signedHeaders[i]!) return "SignedHeaders must be sorted and unique";
  }
  return {
    algorithm,
    credential,
    serial,
    scopeDate,
    scopeRegion,
    scopeService,
    scopeTerminator,
    signedHeadersRaw,
    signedHeaders,
    signature,
  };
}

/** `YYYYMMDD'T'HHMMSS'Z'` → ms since epoch, or undefined when not that format or not a real date. @internal */
export function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h) return undefined;
  if (back.getUTCMinutes() !== mi || back.getUTCSeconds() !== se) return undefined;
  return t;
}

/** RFC 3986 percent-encoding: unreserved characters kept, everything else %XY (uppercase). @internal */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase());
}

/** A received query string, decoded once: its canonical form and its parameters. @internal */
export interface ParsedQuery {
  /** The SigV4 canonical query string. */
  canonical: string;
  /** Decoded values by decoded name, in the order received. */
  params: Map<string, string[]>;
}

/**
 * Decodes a raw (as received) query string: each name and value is
 * percent-decoded (`+` is a space, as Go's url.Values.Encode sends it), then
 * re-encoded per RFC 3986 and sorted by name then value for the canonical form.
 * Undefined when the query has malformed percent-encoding.
 * @internal
 */
export function parseQuery(rawQuery: string): ParsedQuery | undefined {
  const params = new Map<string, string[]>();
  if (rawQuery === "") return { canonical: "", params };
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rk = eq >= 0 ? part.slice(0, eq) : part;
    const rv = eq >= 0 ? part.slice(eq + 1) : "";
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent(rk.replace(/\+/g, " "));
      v = decodeURIComponent(rv.replace(/\+/g, " "));
    } catch {
      return undefined;
    }
    const list = params.get(k);
    if (list) list.push(v);
    else params.set(k, [v]);
    pairs.push([uriEncode(k), uriEncode(v)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return { canonical: pairs.map(([k, v]) => `${k}=${v}`).join("&"), params };
}

/** The canonical query string of a raw query (see parseQuery); undefined when malformed. @internal */
export function canonicalQueryString(rawQuery: string): string | undefined {
  return parseQuery(rawQuery)?.canonical;
}

/**
 * Groups Node's `rawHeaders` ([name, value, name, value, …]) by lowercase name,
 * keeping every value in order (Node's `req.headers` drops duplicates of some
 * headers, which would change what was signed).
 * @internal
 */
export function groupRawHeaders(rawHeaders: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = out.get(name);
    if (list) list.push(rawHeaders[i + 1]!);
    else out.set(name, [rawHeaders[i + 1]!]);
  }
  return out;
}

/**
 * A header's canonical value (SigV4 Trimall): each value with leading and
 * trailing spaces/tabs removed and inner runs of them collapsed to one space,
 * the values joined with ",". (Tabs are treated like spaces, as the AWS SDKs do.)
 * @internal
 */
export function canonicalHeaderValue(values: readonly string[]): string {
  if (values.length === 1 && trimallKeeps(values[0]!)) return values[0]!;
  return values.map((v) => v.replace(/^[ \t]+|[ \t]+$/g, "").replace(/[ \t]+/g, " ")).join(",");
}

/** True when Trimall leaves `v` as is: no tab, no leading or trailing space, no two spaces in a row (the usual case, e.g. base64). */
function trimallKeeps(v: string): boolean {
  return v.indexOf("\t") < 0 && v.indexOf("  ") < 0 && !v.startsWith(" ") && !v.endsWith(" ");
}

/** Input of canonicalRequest. @internal */
export interface CanonicalRequestInput {
  method: string;
  /** The request path as received, e.g. `/sessions`. */
  path: string;
  /** The canonical query string (parseQuery(raw).canonical). */
  canonicalQuery: string;
  headers: Map<string, string[]>;
  signedHeaders: readonly string[];
  /** Lowercase hex SHA-256 of the body. */
  payloadHash: string;
}

/**
 * Builds the canonical request (protocol.md §1.3). Undefined when a signed
 * header is absent.
 * @internal
 */
export function canonicalRequest(input: CanonicalRequestInput): string | undefined {
  const query = input.canonicalQuery;
  let headerLines = "";
  for (const name of input.signedHeaders) {
    const values = input.headers.get(name);
    if (!values) return undefined;
    headerLines += `${name}:${canonicalHeaderValue(values)}\n`;
  }
  return `${input.method}\n${input.path}\n${query}\n${headerLines}\n${input.signedHeaders.join(";")}\n${input.payloadHash}`;
}

/** Lowercase hex SHA-256. @internal */
export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

/** The string to sign (protocol.md §1.4). @internal */
export function stringToSign(algorithm: string, amzDate: string, scope: string, canonicalRequestText: string): string {
  return `${algorithm}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequestText)}`;
}

/** The algorithm a certificate key must sign with, or undefined when the key type is not supported. @internal */
export function algorithmForKey(keyType: CertKeyType): X509Algorithm | undefined {
  if (keyType === "RSA") return "AWS4-X509-RSA-SHA256";
  if (keyType === "EC") return "AWS4-X509-ECDSA-SHA256";
  if (keyType.startsWith("ML-DSA-")) return "AWS4-X509-MLDSA";
  return undefined;
}

/**
 * verifyX509Signature, the same check, run on libuv's thread pool (node:crypto's
 * callback form) so that the event loop parses the next request meanwhile.
 * ML-DSA is verified synchronously (as verifyX509Signature does).
 * @internal
 */
export function verifyX509SignatureAsync(algorithm: X509Algorithm, key: KeyObject, message: string, signatureHex: string): Promise<boolean> {
  if (algorithm === "AWS4-X509-MLDSA") return Promise.resolve(verifyX509Signature(algorithm, key, message, signatureHex));
  if (signatureHex.length === 0 || signatureHex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(signatureHex)) return Promise.resolve(false);
  const sig = Buffer.from(signatureHex, "hex");
  const data = Buffer.from(message, "utf8");
  const keyInput = algorithm === "AWS4-X509-ECDSA-SHA256" ? { key, dsaEncoding: "der" as const } : key;
  return new Promise((resolveOk) => {
    try {
      verify("sha256", data, keyInput, sig, (err, ok) => resolveOk(!err && ok));
    } catch {
      resolveOk(false);
    }
  });
}

/**
 * Verifies the hex signature over the string to sign (protocol.md §1.5): RSA
 * PKCS#1 v1.5 with SHA-256, ECDSA (DER) over SHA-256 whatever the curve, pure
 * ML-DSA over the message. False on any mismatch or malformed signature.
 * @internal
 */
export function verifyX509Signature(algorithm: X509Algorithm, key: KeyObject, message: string, signatureHex: string): boolean {
  if (signatureHex.length === 0 || signatureHex.length % 2 !== 0 || !/^[0-9a-f]+$/.test(signatureHex)) return false;
  const sig = Buffer.from(signatureHex, "hex");
  const data = Buffer.from(message, "utf8");
  try {
    switch (algorithm) {
      case "AWS4-X509-RSA-SHA256":
        return verify("sha256", data, key, sig);
      case "AWS4-X509-ECDSA-SHA256":
        return verify("sha256", data, { key, dsaEncoding: "der" }, sig);
      case "AWS4-X509-MLDSA":
        return verify(null, data, key, sig);
    }
  } catch {
    return false;
  }
}
