import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadIdentity } from "../../../src/identity/index.js";
import { UsageError } from "../../../src/errors.js";
import { interop, manifest, PASSWORD, rejection, sha256, spkiSha256 } from "./helpers.js";

const KINDS = [
  ["legacy-3des", "3DES bags, SHA-1 MAC (as Go's pkcs12 package needs)"],
  ["legacy-rc2", "openssl -legacy: RC2-40 certificates, 3DES key, SHA-1 MAC"],
  ["modern", "OpenSSL 3 default: PBES2 PBKDF2-SHA256 AES-256-CBC, SHA-256 MAC"],
] as const;

const intermediate = Buffer.from(
  readFileSync(interop("ca/intermediate-cert.pem"), "utf8").split("-----")[2]!.replace(/\s+/g, ""),
  "base64",
);

describe("PKCS#12 as --certificate", () => {
  for (const name of ["rsa-2048", "ec-p256"] as const) {
    const meta = manifest.leaves[name];
    for (const [kind, what] of KINDS) {
      it(`opens ${name}/${kind}.p12 (${what}) with its password: leaf by key, chain, key`, async () => {
        const id = await loadIdentity({ certificate: { path: interop(name, `${kind}.p12`) }, passphrase: PASSWORD });
        expect(id.keyType).toBe(meta.keyType);
        expect(sha256(id.certificateDer)).toBe(meta.sha256);
        expect(spkiSha256(id.privateKey)).toBe(meta.spkiSha256);
        expect(id.serialDecimal).toBe(meta.serialDecimal);
        expect(id.chainDer).toHaveLength(1);
        expect(id.chainDer[0]!.equals(intermediate)).toBe(true);
      });

      it(`opens ${name}/${kind}-nopass.p12 (empty password) with no password given`, async () => {
        const id = await loadIdentity({ certificate: { path: interop(name, `${kind}-nopass.p12`) } });
        expect(sha256(id.certificateDer)).toBe(meta.sha256);
        expect(spkiSha256(id.privateKey)).toBe(meta.spkiSha256);
      });
    }
  }

  it.each(KINDS.map(([k]) => k))("refuses %s.p12 with a wrong password (KEY_DECRYPT)", async (kind) => {
    const path = interop("rsa-2048", `${kind}.p12`);
    const err = await rejection(loadIdentity({ certificate: { path }, passphrase: "wrong" }), "KEY_DECRYPT");
    expect(err.message).toBe(`certificate (file ${path}): wrong password for the PKCS#12 file`);
    expect(err.hint).toContain("--pkcs8-password");
  });

  it("says PASSWORD_REQUIRED for a protected file with no password and no terminal", async () => {
    const path = interop("ec-p256/modern.p12");
    const err = await rejection(loadIdentity({ certificate: { path } }), "PASSWORD_REQUIRED");
    expect(err.message).toBe(`certificate (file ${path}): the PKCS#12 file is protected by a password and none was given`);
  });

  it("asks the prompt once when the empty password does not open the file", async () => {
    const asked: string[] = [];
    const path = interop("ec-p256/legacy-rc2.p12");
    const id = await loadIdentity(
      { certificate: { path } },
      {
        promptPassword: async (what) => {
          asked.push(what);
          return PASSWORD;
        },
      },
    );
    expect(id.keyType).toBe("EC");
    expect(asked).toEqual([`certificate (file ${path})`]);
    await rejection(loadIdentity({ certificate: { path } }, { promptPassword: async () => "nope" }), "KEY_DECRYPT");
  });

  it("does not prompt for a password-less file", async () => {
    const promptPassword = async (): Promise<string> => {
      throw new Error("must not prompt");
    };
    await loadIdentity({ certificate: { path: interop("rsa-2048/modern-nopass.p12") } }, { promptPassword });
  });

  it("reads PKCS#12 from a Buffer, base64 in an env var, or a callback", async () => {
    const bytes = readFileSync(interop("rsa-2048/modern.p12"));
    const io = { env: { P12: bytes.toString("base64"), PW: PASSWORD } };
    for (const certificate of [bytes, { env: "P12" }, async () => bytes]) {
      const id = await loadIdentity({ certificate, passphrase: { env: "PW" } }, io);
      expect(id.serialDecimal).toBe(manifest.leaves["rsa-2048"].serialDecimal);
    }
  });

  it("refuses intermediates given with a PKCS#12 file, as a usage error that explains", async () => {
    const path = interop("ec-p256/modern.p12");
    const err = await rejection(
      loadIdentity({ certificate: { path }, passphrase: PASSWORD, intermediates: { path: interop("ca/intermediate-cert.pem") } }),
      "USAGE",
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`certificate (file ${path}): a PKCS#12 file carries its own chain, so intermediates cannot be given with it`);
    expect(err.hint).toContain("leave out --intermediates");
  });

  it("refuses a private key given with a PKCS#12 file", async () => {
    const err = await rejection(
      loadIdentity({ certificate: { path: interop("ec-p256/modern.p12") }, passphrase: PASSWORD, privateKey: { path: interop("ec-p256/key-pkcs8.pem") } }),
      "USAGE",
    );
    expect(err.hint).toBe("leave out --private-key");
  });

  it("refuses a PKCS#12 file without a key", async () => {
    const path = interop("rsa-2048/certs-only.p12");
    const err = await rejection(loadIdentity({ certificate: { path }, passphrase: PASSWORD }), "PKCS12");
    expect(err.message).toBe(`certificate (file ${path}): the PKCS#12 file holds no private key`);
  });

  it("refuses binary that is not PKCS#12", async () => {
    const junk = Buffer.concat([Buffer.from([0x30, 0x80]), Buffer.alloc(40, 7)]);
    const err = await rejection(loadIdentity({ certificate: junk }), "PKCS12");
    expect(err.message).toMatch(/^certificate \(Buffer\): not a readable PKCS#12 file \(.+\)$/);
  });
});
