import { readFileSync } from "node:fs";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decryptPbes2 } from "../../../src/identity/pbes2.js";
import { parsePem } from "../../../src/identity/pem.js";
import { interop, KEY_NAMES, official, PASSWORD } from "./helpers.js";

const origin = { what: "private key" as const, label: "test" };
function der(file: string): Buffer {
  return parsePem(readFileSync(file, "utf8"), origin)[0]!.der;
}

const VARIANTS = ["hmacWithSHA1", "hmacWithSHA224", "hmacWithSHA256", "hmacWithSHA384", "hmacWithSHA512", "scrypt", "aes128cbc", "aes192cbc", "aes256cbc"];

describe("decryptPbes2 (own PBES2, used to explain node:crypto failures)", () => {
  for (const name of KEY_NAMES) {
    it.each(VARIANTS)(`decrypts ${name} key-pkcs8-%s.pem to exactly openssl's unencrypted PKCS#8`, (variant) => {
      const result = decryptPbes2(der(interop(name, `key-pkcs8-${variant}.pem`)), PASSWORD);
      expect(result.ok).toBe(true);
      expect((result as { pkcs8: Buffer }).pkcs8.equals(readFileSync(interop(name, "key-pkcs8.der")))).toBe(true);
    });
  }

  it("reports a wrong password", () => {
    expect(decryptPbes2(der(interop("ec-p256/key-pkcs8-scrypt.pem")), "wrong")).toEqual({ ok: false, reason: "wrong-password" });
    expect(decryptPbes2(readFileSync(interop("rsa-2048/key-pkcs8-encrypted.der")), "wrong")).toEqual({ ok: false, reason: "wrong-password" });
  });

  it("reports a scheme it does not know instead of guessing", () => {
    const bad = Buffer.from(der(interop("ec-p256/key-pkcs8-aes128cbc.pem")));
    // Replace the AES-128-CBC OID's last arc (…1.2) with an unknown one (…1.99).
    const oid = Buffer.from("0609608648016503040102", "hex");
    const at = bad.indexOf(oid);
    expect(at).toBeGreaterThan(0);
    bad[at + oid.length - 1] = 99;
    expect(decryptPbes2(bad, PASSWORD)).toEqual({ ok: false, reason: "unsupported", detail: "cipher 2.16.840.1.101.3.4.1.99" });
  });

  it("decrypts the ACM key, whose PBKDF2 has no PRF (SHA-1 default)", () => {
    const result = decryptPbes2(der(official("tst/keys/acm-encrypted.pem")), PASSWORD);
    expect(result.ok).toBe(true);
    expect(decryptPbes2(der(official("tst/keys/acm-encrypted.pem")), "wrong").ok).toBe(false);
  });

  it("decrypts every encrypted ML-DSA fixture to its plain key", () => {
    const dir = official("tst/mldsa-fixtures");
    const files = readdirSync(dir).filter((f) => /-key-pkcs8-.+\.pem$/.test(f));
    expect(files).toHaveLength(21);
    for (const f of files) {
      const plain = der(`${dir}/${f.replace(/-pkcs8-.+$/, ".pem")}`);
      const result = decryptPbes2(der(`${dir}/${f}`), PASSWORD);
      expect(result.ok, f).toBe(true);
      expect((result as { pkcs8: Buffer }).pkcs8.equals(plain), f).toBe(true);
    }
  });
});
