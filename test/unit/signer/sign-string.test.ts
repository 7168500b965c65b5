import { createHash, createPrivateKey, generateKeyPairSync, verify, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  formatSignature,
  signTestMessage,
  testMessage,
  testMessagePublicKeyBytes,
  type SignStringDigest,
} from "../../../src/signer/sign-string.js";
import { IdentityError } from "../../../src/errors.js";
import {
  hasOpenssl,
  KEY_NAMES,
  makeOpensslKeys,
  NO_MLDSA,
  NO_OPENSSL,
  opensslPublicKeyBytes,
  opensslSign,
  opensslVerify,
  supportsMlDsa,
  type KeyName,
  type OpensslKey,
} from "./openssl-helper.js";
import { OFFICIAL_MLDSA_DIR } from "../../helpers/fixtures.js";

const TEXT = "AWS Roles Anywhere Credential Helper Signing Test";
const DIGESTS: SignStringDigest[] = ["SHA256", "SHA384", "SHA512"];

describe("formatSignature", () => {
  const sig = Buffer.from([0x00, 0xab, 0xff]);
  it("json is a quoted lowercase hex string, text is bare hex, bin is the raw bytes, none with a newline", () => {
    expect(formatSignature(sig, "json").toString()).toBe('"00abff"');
    expect(formatSignature(sig, "text").toString()).toBe("00abff");
    expect(formatSignature(sig, "bin").equals(sig)).toBe(true);
  });
});

describe("testMessage", () => {
  it("is the text, '1' and 32 raw digest bytes for EC", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const m = testMessage(privateKey);
    expect(m.subarray(0, TEXT.length + 1).toString()).toBe(`${TEXT}1`);
    expect(m.length).toBe(TEXT.length + 1 + 32);
  });
  it("refuses a key type without a public key encoding", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    expect(() => testMessage(privateKey)).toThrow(IdentityError);
  });
  it("refuses to sign with a public key", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(() => signTestMessage(publicKey)).toThrow(/expected a private key/);
  });
});

describe.skipIf(!hasOpenssl)("sign-string against openssl", () => {
  let keys: Record<KeyName, OpensslKey>;
  let cleanup: () => void = () => {};
  beforeAll(() => {
    const made = makeOpensslKeys();
    keys = made.keys;
    cleanup = made.cleanup;
  });
  afterAll(() => cleanup());

  /** The message built here from openssl's own public key encoding, not from src/. */
  function expectedMessage(k: OpensslKey): Buffer {
    const digest = createHash("sha256").update("IAM RA").update(opensslPublicKeyBytes(k)).digest();
    return Buffer.concat([Buffer.from(`${TEXT}1`), digest]);
  }

  it.each(KEY_NAMES)("%s: public key bytes match openssl (EC uncompressed point / RSA PKCS#1 DER)", (name) => {
    const k = keys[name];
    expect(testMessagePublicKeyBytes(k.key).equals(opensslPublicKeyBytes(k))).toBe(true);
    expect(testMessage(k.key).equals(expectedMessage(k))).toBe(true);
  });

  const cases = KEY_NAMES.flatMap((name) => DIGESTS.map((d) => [name, d] as const));
  it.each(cases)("%s with --digest %s: `openssl dgst -verify` accepts the signature", (name, digest) => {
    const k = keys[name];
    const sig = signTestMessage(k.key, digest);
    const d = digest.toLowerCase();
    expect(opensslVerify(k.pubPath, sig, expectedMessage(k), d)).toBe(true);
    const other = d === "sha256" ? "sha512" : "sha256";
    expect(opensslVerify(k.pubPath, sig, expectedMessage(k), other)).toBe(false);
    if (name.startsWith("rsa")) {
      // PKCS#1 v1.5 is deterministic: the bytes equal openssl's.
      expect(sig.equals(opensslSign(k.keyPath, expectedMessage(k), d))).toBe(true);
    } else {
      expect(sig[0]).toBe(0x30); // DER
    }
  });
});
if (!hasOpenssl) describe("sign-string against openssl", () => it.skip(NO_OPENSSL, () => {}));

describe("sign-string with ML-DSA", () => {
  const variants = [
    ["44", 2420],
    ["65", 3309],
    ["87", 4627],
  ] as const;
  it.runIf(supportsMlDsa).each(variants)(
    "ML-DSA-%s (official fixture): signs just the text and '1', whatever the digest, verifying with the certificate",
    (v, size) => {
      const key = createPrivateKey(readFileSync(join(OFFICIAL_MLDSA_DIR, `mldsa${v}-key.pem`)));
      const cert = new X509Certificate(readFileSync(join(OFFICIAL_MLDSA_DIR, `mldsa${v}-cert.pem`)));
      expect(testMessage(key).toString()).toBe(`${TEXT}1`);
      for (const digest of DIGESTS) {
        const sig = signTestMessage(key, digest);
        expect(sig.length).toBe(size);
        expect(verify(null, Buffer.from(`${TEXT}1`), cert.publicKey, sig)).toBe(true);
      }
    },
  );
  if (!supportsMlDsa) it.skip(`ML-DSA sign-string: ${NO_MLDSA}`, () => {});
});
