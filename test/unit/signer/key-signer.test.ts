import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKeySigner, signingAlgorithmFor } from "../../../src/signer/key-signer.js";
import { IdentityError } from "../../../src/errors.js";
import { NO_MLDSA, supportsMlDsa } from "./openssl-helper.js";

function pair(type: string, options: object = {}): { privateKey: KeyObject; publicKey: KeyObject } {
  return (generateKeyPairSync as (t: string, o: object) => { privateKey: KeyObject; publicKey: KeyObject })(type, options);
}

describe("createKeySigner", () => {
  it("maps RSA to AWS4-X509-RSA-SHA256 and EC of every curve to AWS4-X509-ECDSA-SHA256", () => {
    expect(createKeySigner(pair("rsa", { modulusLength: 2048 }).privateKey).algorithm).toBe("AWS4-X509-RSA-SHA256");
    for (const namedCurve of ["P-256", "P-384", "P-521"]) {
      expect(createKeySigner(pair("ec", { namedCurve }).privateKey).algorithm).toBe("AWS4-X509-ECDSA-SHA256");
    }
  });

  it("signs P-384 with SHA-256 (not SHA-384), DER-encoded", async () => {
    const { privateKey, publicKey } = pair("ec", { namedCurve: "P-384" });
    const msg = Buffer.from("AWS4-X509-ECDSA-SHA256\n...");
    const sig = await createKeySigner(privateKey).sign(msg);
    expect(Buffer.from(sig)[0]).toBe(0x30); // DER SEQUENCE, not raw r||s
    expect(verify("sha256", msg, { key: publicKey, dsaEncoding: "der" }, sig)).toBe(true);
    expect(verify("sha384", msg, { key: publicKey, dsaEncoding: "der" }, sig)).toBe(false);
  });

  it("refuses Ed25519, RSA-PSS and DSA keys with UNSUPPORTED_KEY_TYPE", () => {
    const cases: Array<[string, object]> = [
      ["ed25519", {}],
      ["rsa-pss", { modulusLength: 2048 }],
      ["dsa", { modulusLength: 1024, divisorLength: 160 }],
    ];
    for (const [type, opts] of cases) {
      const key = pair(type, opts).privateKey;
      let err: unknown;
      try {
        createKeySigner(key);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IdentityError);
      expect((err as IdentityError).code).toBe("UNSUPPORTED_KEY_TYPE");
      expect((err as IdentityError).message).toBe(`signing key: unsupported key type '${type}'`);
      expect((err as IdentityError).hint).toMatch(/RSA, ECDSA/);
    }
  });

  it("refuses a public key with KEY_PARSE", () => {
    const { publicKey } = pair("ec", { namedCurve: "P-256" });
    expect(() => createKeySigner(publicKey)).toThrow(/expected a private key, got a public key/);
    expect(signingAlgorithmFor(publicKey)).toBe("AWS4-X509-ECDSA-SHA256");
  });

  it.runIf(supportsMlDsa)("signs with ML-DSA-44/65/87 as pure ML-DSA over the message (AWS4-X509-MLDSA)", async () => {
    const sizes = { "ml-dsa-44": 2420, "ml-dsa-65": 3309, "ml-dsa-87": 4627 } as const;
    for (const [type, size] of Object.entries(sizes)) {
      const { privateKey } = pair(type);
      const signer = createKeySigner(privateKey);
      expect(signer.algorithm).toBe("AWS4-X509-MLDSA");
      const msg = Buffer.from("AWS4-X509-MLDSA\n20240706T143004Z\n...");
      const sig = Buffer.from(await signer.sign(msg));
      expect(sig.length).toBe(size);
      expect(verify(null, msg, createPublicKey(privateKey), sig)).toBe(true);
      expect(verify(null, Buffer.from("other"), createPublicKey(privateKey), sig)).toBe(false);
    }
  });
  if (!supportsMlDsa) it.skip(`ML-DSA signing: ${NO_MLDSA}`, () => {});
});
