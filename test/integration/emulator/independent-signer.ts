/**
 * A TEST-ONLY SigV4-X509 signer written straight from protocol.md §1.3-§1.6,
 * sharing no code with src/signer or src/emulator, so that a canonicalization
 * bug common to our client and our server cannot make the round trip pass.
 */
import { createHash, sign, type KeyObject } from "node:crypto";
import { signRequest } from "../../../src/signer/sign-request.js";
import { createKeySigner } from "../../../src/signer/key-signer.js";

export interface SigningInput {
  /** host[:port] as sent. */
  host: string;
  query: Record<string, string>;
  body: string;
  region: string;
  date: Date;
  leafDer: Buffer;
  chainDer?: Buffer[];
  serialDecimal: string;
  key: KeyObject;
  /** More headers to send and sign (lowercase names). */
  extraHeaders?: Record<string, string>;
}

export interface BuiltRequest {
  /** Path plus query, as written on the wire. */
  path: string;
  headers: Record<string, string>;
  body: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** Percent-encodes UTF-8 bytes except the RFC 3986 unreserved set, byte by byte. */
function pct(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const unreserved =
      (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
    out += unreserved ? String.fromCharCode(byte) : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function amzDateOf(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

function algorithmOf(key: KeyObject): string {
  const t = key.asymmetricKeyType ?? "";
  if (t === "rsa") return "AWS4-X509-RSA-SHA256";
  if (t === "ec") return "AWS4-X509-ECDSA-SHA256";
  if (t.startsWith("ml-dsa")) return "AWS4-X509-MLDSA";
  throw new Error(`test signer: unsupported key ${t}`);
}

function signBytes(algorithm: string, key: KeyObject, data: Buffer): Buffer {
  if (algorithm === "AWS4-X509-RSA-SHA256") return sign("sha256", data, key);
  if (algorithm === "AWS4-X509-ECDSA-SHA256") return sign("sha256", data, { key, dsaEncoding: "der" });
  return sign(null, data, key);
}

/** Signs a CreateSession request the way protocol.md describes, independently of src/. */
export function independentSign(input: SigningInput): BuiltRequest {
  const algorithm = algorithmOf(input.key);
  const amzDate = amzDateOf(input.date);
  const day = amzDate.slice(0, 8);
  const query = Object.entries(input.query)
    .map(([k, v]) => [pct(k), pct(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: input.host,
    "x-amz-date": amzDate,
    "x-amz-x509": input.leafDer.toString("base64"),
    ...(input.extraHeaders ?? {}),
  };
  if (input.chainDer && input.chainDer.length > 0) headers["x-amz-x509-chain"] = input.chainDer.map((d) => d.toString("base64")).join(",");
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    "POST",
    "/sessions",
    query,
    ...names.map((n) => `${n}:${headers[n]!.trim().replace(/ +/g, " ")}`),
    "",
    names.join(";"),
    createHash("sha256").update(input.body, "utf8").digest("hex"),
  ].join("\n");
  const scope = `${day}/${input.region}/rolesanywhere/aws4_request`;
  const stringToSign = [algorithm, amzDate, scope, createHash("sha256").update(canonicalRequest, "utf8").digest("hex")].join("\n");
  const signature = signBytes(algorithm, input.key, Buffer.from(stringToSign, "utf8")).toString("hex");
  headers.authorization = `${algorithm} Credential=${input.serialDecimal}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return { path: `/sessions${query ? `?${query}` : ""}`, headers, body: input.body, canonicalRequest, stringToSign };
}

/** Signs the same request with the team's client signer (src/signer). */
export async function teamSign(input: SigningInput): Promise<BuiltRequest> {
  const signed = await signRequest({
    method: "POST",
    host: input.host,
    path: "/sessions",
    query: input.query,
    headers: { "content-type": "application/json", ...(input.extraHeaders ?? {}) },
    body: input.body,
    region: input.region,
    certificateDer: input.leafDer,
    ...(input.chainDer && input.chainDer.length > 0 ? { chainDer: input.chainDer } : {}),
    serialDecimal: input.serialDecimal,
    signer: createKeySigner(input.key),
    signingDate: input.date,
  });
  return {
    path: `/sessions${signed.canonicalQuery ? `?${signed.canonicalQuery}` : ""}`,
    headers: signed.headers,
    body: input.body,
    canonicalRequest: signed.canonicalRequest,
    stringToSign: signed.stringToSign,
  };
}

export type SignerName = "team" | "independent";
export const signers: Record<SignerName, (input: SigningInput) => Promise<BuiltRequest>> = {
  team: teamSign,
  independent: async (input) => independentSign(input),
};
