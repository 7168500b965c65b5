import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { certificateKeyType, loadCertificate, loadIdentity, loadPrivateKey, mldsaSupported } from "../../../src/identity/index.js";
import { official, PASSWORD, rejection } from "./helpers.js";

const VARIANTS = ["44", "65", "87"] as const;
const SERIALS: Record<(typeof VARIANTS)[number], string> = {
  "44": "380107767491078309882765566837975439057989904442",
  "65": "175904824604684358944061260626166596171304517034",
  "87": "461014492413836077166337701768413355473408023458",
};
const dir = () => official("tst/mldsa-fixtures");
const keyFiles = (v: string) => readdirSync(dir()).filter((f) => f.startsWith(`mldsa${v}-key`));
const node = `Node.js ${process.versions.node}`;

describe("official ML-DSA fixtures", () => {
  it("has the 3 certificates and 27 key files the manifest lists", () => {
    expect(VARIANTS.flatMap((v) => keyFiles(v))).toHaveLength(27);
  });

  for (const v of VARIANTS) {
    const type = `ML-DSA-${v}`;

    it(`reads the ${type} certificate's type and serial on any Node.js`, async () => {
      const { certificate } = await loadCertificate({ path: `${dir()}/mldsa${v}-cert.pem` });
      expect(certificateKeyType(certificate)).toBe(type);
      expect(BigInt(`0x${certificate.serialNumber}`).toString()).toBe(SERIALS[v]);
    });

    it.runIf(mldsaSupported())(`loads every ${type} key, plain or encrypted with "password", and it matches the certificate`, async () => {
      for (const file of keyFiles(v)) {
        const encrypted = file.includes("-pkcs8-");
        const id = await loadIdentity({
          certificate: { path: `${dir()}/mldsa${v}-cert.pem` },
          privateKey: { path: `${dir()}/${file}` },
          ...(encrypted ? { passphrase: PASSWORD } : {}),
        });
        expect(id.keyType, file).toBe(type);
        expect(id.serialDecimal).toBe(SERIALS[v]);
        expect(id.chainDer).toEqual([]);
      }
    });

    it.skipIf(mldsaSupported())(`refuses ${type} keys on this Node.js with UNSUPPORTED_ON_THIS_NODE, plain or encrypted`, async () => {
      for (const file of keyFiles(v)) {
        const path = `${dir()}/${file}`;
        const err = await rejection(loadPrivateKey({ path }, file.includes("-pkcs8-") ? PASSWORD : undefined), "UNSUPPORTED_ON_THIS_NODE");
        expect(err.message).toBe(`private key (file ${path}): ${type} keys need Node.js 24 or newer (this is ${node})`);
        expect(err.hint).toBe("run the helper with Node.js 24 or newer, or use an RSA or ECDSA key");
      }
    });
  }

  it("rejects wrong passwords for the encrypted ML-DSA keys, as the official tests do", async () => {
    const cases: [string, string][] = [
      ["mldsa44-key-pkcs8-aes128cbc.pem", "a".repeat(1000)],
      ["mldsa65-key-pkcs8-aes192cbc.pem", "!@#$%^&*()_+-=[]{}|;:,.<>?"],
      ["mldsa87-key-pkcs8-aes256cbc.pem", "пароль密码パスワード"],
      ["mldsa44-key-pkcs8-scrypt.pem", "incorrect-password"],
    ];
    for (const [file, wrong] of cases) {
      const err = await rejection(loadPrivateKey({ path: `${dir()}/${file}` }, wrong), "KEY_DECRYPT");
      expect(err.message).not.toContain(wrong);
    }
  });

  it("says PASSWORD_REQUIRED for an encrypted ML-DSA key without password", async () => {
    await rejection(loadPrivateKey({ path: `${dir()}/mldsa65-key-pkcs8-hmacWithSHA512.pem` }), "PASSWORD_REQUIRED");
  });

  it.runIf(mldsaSupported())("refuses an ML-DSA-65 key with the ML-DSA-44 certificate (stricter than the official helper)", async () => {
    await rejection(
      loadIdentity({
        certificate: { path: `${dir()}/mldsa44-cert.pem` },
        privateKey: { path: `${dir()}/mldsa65-key-pkcs8-aes256cbc.pem` },
        passphrase: PASSWORD,
      }),
      "CERTIFICATE_KEY_MISMATCH",
    );
  });

  it.runIf(mldsaSupported())("loads the same ML-DSA-44 key 10 times in a row", async () => {
    for (let i = 0; i < 10; i++) {
      const { keyType } = await loadPrivateKey({ path: `${dir()}/mldsa44-key-pkcs8-aes256cbc.pem` }, PASSWORD);
      expect(keyType).toBe("ML-DSA-44");
    }
  });
});

describe("mldsaSupported", () => {
  it("matches what this Node.js's OpenSSL offers (3.5+ has ML-DSA)", () => {
    const [major, minor] = process.versions.openssl.split(".").map(Number) as [number, number];
    expect(mldsaSupported()).toBe(major > 3 || (major === 3 && minor >= 5));
  });
});
