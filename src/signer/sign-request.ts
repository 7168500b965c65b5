import { formatAmzDate } from "./amz-date.js";
import { authorizationHeader } from "./authorization.js";
import { canonicalQueryString, canonicalRequest, signedHeadersList } from "./canonical-request.js";
import {
  HEADER_AMZ_DATE,
  HEADER_AUTHORIZATION,
  HEADER_HOST,
  HEADER_X509,
  HEADER_X509_CHAIN,
  UNSIGNED_HEADERS,
} from "./constants.js";
import { sha256Hex } from "./hash.js";
import { credentialScope, stringToSign } from "./string-to-sign.js";
import type { SignedRequest, SignRequestInput } from "./types.js";
import { ConfigError } from "../errors.js";

function base64(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
}

/**
 * Signs a request with SigV4-X509 (Roles Anywhere). Adds `host`, `x-amz-date`,
 * `x-amz-x509` (base64 DER of the leaf) and `x-amz-x509-chain` (comma-joined
 * base64 DER, only when a chain is given) to `input.headers`, signs every header
 * except authorization, user-agent, x-amzn-trace-id and hop-by-hop ones, and
 * returns all headers to send (names lowercase) with `authorization` added.
 * The four headers above always take the values computed here. Time enters only
 * through `input.signingDate`.
 * @throws ConfigError for a non-decimal serial, a bad region or a path not starting with "/".
 * @public
 */
export async function signRequest(input: SignRequestInput): Promise<SignedRequest> {
  if (!/^(0|[1-9]\d*)$/.test(input.serialDecimal)) {
    throw new ConfigError(`signing: certificate serial '${input.serialDecimal}' is not a decimal number`);
  }
  if (!input.path.startsWith("/")) {
    throw new ConfigError(`signing: request path '${input.path}' must start with '/'`);
  }
  const amzDate = formatAmzDate(input.signingDate);
  const scope = credentialScope(amzDate, input.region);

  const all = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    const prev = all.get(lower);
    all.set(lower, prev === undefined ? value : `${prev},${value}`);
  }
  all.delete(HEADER_AUTHORIZATION);
  all.delete(HEADER_X509_CHAIN);
  all.set(HEADER_HOST, input.host);
  all.set(HEADER_AMZ_DATE, amzDate);
  all.set(HEADER_X509, base64(input.certificateDer));
  if (input.chainDer && input.chainDer.length > 0) {
    all.set(HEADER_X509_CHAIN, input.chainDer.map(base64).join(","));
  }
  const signed = Object.fromEntries(
    [...all].filter(([name]) => !UNSIGNED_HEADERS.has(name) && !name.startsWith("proxy-")),
  );

  const creq = canonicalRequest({
    method: input.method,
    path: input.path,
    query: input.query,
    headers: signed,
    body: input.body,
  });
  const sts = stringToSign(input.signer.algorithm, amzDate, scope, sha256Hex(creq));
  const signature = await input.signer.sign(Buffer.from(sts, "utf8"));
  all.set(HEADER_AUTHORIZATION, authorizationHeader({
    algorithm: input.signer.algorithm,
    serialDecimal: input.serialDecimal,
    scope,
    signedHeaders: signedHeadersList(signed),
    signatureHex: Buffer.from(signature).toString("hex"),
  }));
  return {
    headers: Object.fromEntries(all),
    canonicalQuery: canonicalQueryString(input.query),
    canonicalRequest: creq,
    stringToSign: sts,
  };
}

const REDACTED = "[redacted]";
const SECRET_HEADERS: ReadonlySet<string> = new Set(["x-amz-security-token", "proxy-authorization", "cookie"]);

/**
 * Lines for `--debug`: the canonical request, the string to sign and the
 * headers to send, with the Authorization signature and any credential-like
 * header value replaced by `[redacted]`. Nothing secret.
 * @public
 */
export function debugLines(signed: SignedRequest): string[] {
  const lines = ["canonical request:"];
  for (const line of signed.canonicalRequest.split("\n")) {
    const colon = line.indexOf(":");
    const secret = colon > 0 && SECRET_HEADERS.has(line.slice(0, colon));
    lines.push(`  ${secret ? `${line.slice(0, colon)}:${REDACTED}` : line}`);
  }
  lines.push("string to sign:", ...signed.stringToSign.split("\n").map((l) => `  ${l}`));
  lines.push("request headers:");
  for (const [name, value] of Object.entries(signed.headers)) {
    let shown = value;
    if (name.toLowerCase() === HEADER_AUTHORIZATION) shown = value.replace(/Signature=[^,\s]*/, `Signature=${REDACTED}`);
    else if (SECRET_HEADERS.has(name.toLowerCase())) shown = REDACTED;
    lines.push(`  ${name}: ${shown}`);
  }
  return lines;
}
