import { createPrivateKey, createPublicKey, verify } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalQueryString } from "../../../src/signer/canonical-request.js";
import { createKeySigner } from "../../../src/signer/key-signer.js";
import { signRequest } from "../../../src/signer/sign-request.js";

// fixtures/sigv4x509/*.json are written by scripts/gen-golden-vectors.mjs from
// @smithy/signature-v4 (canonicalization) and openssl (signatures), not from src/signer.
interface Vector {
  name: string;
  description: string;
  key: string;
  algorithm: string;
  deterministicSignature: boolean;
  request: {
    method: string;
    host: string;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    body: string;
    region: string;
    signingDate: string;
    certificateDerBase64: string;
    chainDerBase64?: string[];
    serialDecimal: string;
  };
  expected: {
    amzDate: string;
    canonicalQuery: string;
    canonicalRequest: string;
    canonicalRequestSha256: string;
    stringToSign: string;
    headers: Record<string, string>;
    opensslSignatureHex: string;
    authorization: string;
  };
}

const DIR = join(import.meta.dirname, "../../../fixtures/sigv4x509");
const vectors: Vector[] = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Vector);

function withoutAuthorization(h: Record<string, string>): Record<string, string> {
  const { authorization: _drop, ...rest } = h;
  return rest;
}

describe("signRequest golden vectors (fixtures/sigv4x509)", () => {
  it("has the vectors, including the protocol.md §1.7 worked example", () => {
    expect(vectors.length).toBeGreaterThanOrEqual(5);
    const worked = vectors.find((v) => v.name === "worked-example-ecdsa");
    expect(worked?.expected.canonicalRequestSha256).toBe("c8098a010790d9fbcfbe7dbd243c88681e31cf17045815ab8d2a546dedbac5d2");
  });

  it.each(vectors.map((v) => [v.name, v] as const))("%s", async (_name, v) => {
    const key = createPrivateKey(readFileSync(join(DIR, v.key)));
    const signer = createKeySigner(key);
    expect(signer.algorithm).toBe(v.algorithm);
    const r = v.request;
    const signed = await signRequest({
      method: r.method,
      host: r.host,
      path: r.path,
      query: r.query,
      headers: r.headers,
      body: r.body,
      region: r.region,
      certificateDer: Buffer.from(r.certificateDerBase64, "base64"),
      chainDer: r.chainDerBase64?.map((c) => Buffer.from(c, "base64")),
      serialDecimal: r.serialDecimal,
      signer,
      signingDate: new Date(r.signingDate),
    });
    expect(canonicalQueryString(r.query)).toBe(v.expected.canonicalQuery);
    expect(signed.canonicalQuery).toBe(v.expected.canonicalQuery);
    expect(signed.canonicalRequest).toBe(v.expected.canonicalRequest);
    expect(signed.stringToSign).toBe(v.expected.stringToSign);
    expect(withoutAuthorization(signed.headers)).toEqual(v.expected.headers);

    const auth = signed.headers.authorization!;
    const ourSig = Buffer.from(auth.slice(auth.indexOf("Signature=") + 10), "hex");
    if (v.deterministicSignature) {
      // RSA PKCS#1 v1.5: our bytes must equal what `openssl dgst -sha256 -sign` produced.
      expect(auth).toBe(v.expected.authorization);
    } else {
      const prefix = v.expected.authorization.slice(0, v.expected.authorization.indexOf("Signature=") + 10);
      expect(auth.startsWith(prefix)).toBe(true);
      const pub = createPublicKey(key);
      // Our ECDSA signature verifies, and openssl's signature verifies over our string to sign.
      expect(verify("sha256", Buffer.from(signed.stringToSign), { key: pub, dsaEncoding: "der" }, ourSig)).toBe(true);
      expect(
        verify("sha256", Buffer.from(signed.stringToSign), { key: pub, dsaEncoding: "der" }, Buffer.from(v.expected.opensslSignatureHex, "hex")),
      ).toBe(true);
    }
  });
});
