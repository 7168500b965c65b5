import { readFileSync, writeFileSync, mkdtempSync, rmSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  certificateKeyType,
  loadCertificate,
  loadCertificates,
  loadIdentity,
  serialToDecimal,
} from "../../../src/identity/index.js";
import { UsageError } from "../../../src/errors.js";
import { interop, KEY_NAMES, manifest, official, PASSWORD, rejection, sha256, spkiSha256 } from "./helpers.js";

const intermediateDer = () => readFileSync(interop("ca/intermediate-cert.pem"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "identity-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function derOf(pemFile: string): Buffer {
  const text = readFileSync(pemFile, "utf8");
  return Buffer.from(text.split("-----")[2]!.replace(/\s+/g, ""), "base64");
}

describe("loadIdentity", () => {
  for (const name of KEY_NAMES) {
    const meta = manifest.leaves[name];
    it(`loads ${name}: leaf, key, key type and decimal serial match openssl's`, async () => {
      const id = await loadIdentity({ certificate: { path: interop(name, "cert.pem") }, privateKey: { path: interop(name, "key-pkcs8.pem") } });
      expect(id.keyType).toBe(meta.keyType);
      expect(id.serialDecimal).toBe(meta.serialDecimal);
      expect(sha256(id.certificateDer)).toBe(meta.sha256);
      expect(spkiSha256(id.privateKey)).toBe(meta.spkiSha256);
      expect(id.chainDer).toEqual([]);
      expect(certificateKeyType(id.certificate)).toBe(meta.keyType);
    });
  }

  it("strips leading zeros from the decimal serial (rsa-4096's serial is 0x4096, ec-p384's 0x0384384384)", async () => {
    expect(manifest.leaves["ec-p384"].serialHex).toBe("0384384384");
    const id = await loadIdentity({ certificate: { path: interop("ec-p384/cert.der") }, privateKey: { path: interop("ec-p384/key-sec1.der") } });
    expect(id.serialDecimal).toBe("15103181700");
  });

  it("splits a fullchain into leaf and chain, in file order", async () => {
    const id = await loadIdentity({ certificate: { path: interop("ec-p256/fullchain.pem") }, privateKey: { path: interop("ec-p256/key-pkcs8.pem") } });
    expect(sha256(id.certificateDer)).toBe(manifest.leaves["ec-p256"].sha256);
    expect(id.chainDer.map((d) => d.equals(derOf(interop("ca/intermediate-cert.pem"))))).toEqual([true, false]);
    expect(id.chainDer[1]!.equals(derOf(interop("ca/root-cert.pem")))).toBe(true);
  });

  it("finds the leaf when the fullchain is reversed", async () => {
    const id = await loadIdentity({ certificate: { path: interop("rsa-4096/fullchain-reversed.pem") }, privateKey: { path: interop("rsa-4096/key-pkcs1.pem") } });
    expect(sha256(id.certificateDer)).toBe(manifest.leaves["rsa-4096"].sha256);
    expect(id.chainDer.map((d) => d.equals(derOf(interop("ca/root-cert.pem"))))).toEqual([true, false]);
  });

  it("loads a combined key + certificate PEM with no private key given", async () => {
    const id = await loadIdentity({ certificate: { path: interop("ec-p521/combo.pem") } });
    expect(id.keyType).toBe("EC");
    expect(spkiSha256(id.privateKey)).toBe(manifest.leaves["ec-p521"].spkiSha256);
  });

  it("adds --intermediates after the leaf", async () => {
    const id = await loadIdentity({
      certificate: { path: interop("rsa-2048/cert.der") },
      privateKey: { path: interop("rsa-2048/key-pkcs8-hmacWithSHA512.pem") },
      intermediates: intermediateDer(),
      passphrase: PASSWORD,
    });
    expect(id.chainDer).toHaveLength(1);
    expect(id.chainDer[0]!.equals(derOf(interop("ca/intermediate-cert.pem")))).toBe(true);
  });

  it("takes every source kind: env PEM, env base64 DER, inline PEM, Buffer, callback, stdin", async () => {
    const certPem = readFileSync(interop("ec-p256/cert.pem"), "utf8");
    const keyPem = readFileSync(interop("ec-p256/key-sec1.pem"), "utf8");
    const env = { CERT: certPem, CERT_B64: readFileSync(interop("ec-p256/cert.der")).toString("base64"), KEY: keyPem };
    const io = { env, readStdin: async () => Buffer.from(keyPem) };
    const specs = [
      { certificate: { env: "CERT" }, privateKey: { env: "KEY" } },
      { certificate: { env: "CERT_B64" }, privateKey: { stdin: true as const } },
      { certificate: certPem, privateKey: Buffer.from(keyPem) },
      { certificate: async () => readFileSync(interop("ec-p256/cert.der")), privateKey: () => keyPem },
    ];
    for (const spec of specs) expect((await loadIdentity(spec, io)).serialDecimal).toBe(manifest.leaves["ec-p256"].serialDecimal);
  });

  it("reads the files again at every call, so a rotated certificate is picked up", async () => {
    const cert = join(dir, "rotating.pem");
    const key = join(dir, "rotating-key.pem");
    writeFileSync(cert, readFileSync(interop("ec-p256/cert.pem")));
    writeFileSync(key, readFileSync(interop("ec-p256/key-pkcs8.pem")));
    const spec = { certificate: { path: cert }, privateKey: { path: key } };
    expect((await loadIdentity(spec)).serialDecimal).toBe(manifest.leaves["ec-p256"].serialDecimal);
    writeFileSync(`${cert}.new`, readFileSync(interop("rsa-2048/cert.pem")));
    writeFileSync(`${key}.new`, readFileSync(interop("rsa-2048/key-pkcs8.pem")));
    renameSync(`${cert}.new`, cert);
    renameSync(`${key}.new`, key);
    expect((await loadIdentity(spec)).serialDecimal).toBe(manifest.leaves["rsa-2048"].serialDecimal);
  });

  it("rejects a key that matches none of the certificates", async () => {
    const certPath = interop("rsa-2048/fullchain.pem");
    const keyPath = interop("ec-p256/key-sec1-params.pem");
    const err = await rejection(loadIdentity({ certificate: { path: certPath }, privateKey: { path: keyPath } }), "CERTIFICATE_KEY_MISMATCH");
    expect(err.message).toBe(`certificate and private key: the private key (file ${keyPath}) matches none of the 3 certificates in file ${certPath}`);
  });

  it("rejects a chain longer than 5 certificates", async () => {
    const err = await rejection(
      loadIdentity({ certificate: { path: interop("long-chain/fullchain.pem") }, privateKey: { path: interop("long-chain/key.pem") } }),
      "CHAIN_TOO_LONG",
    );
    expect(err.message).toBe(
      `certificate chain: 6 certificates besides the leaf (from file ${interop("long-chain/fullchain.pem")}); IAM Roles Anywhere accepts at most 5`,
    );
  });

  it("accepts exactly 5 intermediates", async () => {
    const id = await loadIdentity({
      certificate: { path: interop("long-chain/cert.pem") },
      privateKey: { path: interop("long-chain/key.pem") },
      intermediates: { path: interop("long-chain/five-intermediates.pem") },
    });
    expect(id.chainDer).toHaveLength(5);
    await rejection(
      loadIdentity({
        certificate: { path: interop("long-chain/cert.pem") },
        privateKey: { path: interop("long-chain/key.pem") },
        intermediates: { path: interop("long-chain/six-intermediates.pem") },
      }),
      "CHAIN_TOO_LONG",
    );
  });

  it("refuses an unsupported key type even when key and certificate match", async () => {
    for (const name of ["rsa-1024", "ed25519", "secp256k1"]) {
      await rejection(
        loadIdentity({ certificate: { path: interop(`refused/${name}-cert.pem`) }, privateKey: { path: interop(`refused/${name}-key.pem`) } }),
        "UNSUPPORTED_KEY_TYPE",
      );
    }
  });

  it("asks for --private-key when the certificate file holds no key (usage error)", async () => {
    const path = interop("rsa-2048/cert.pem");
    const err = await rejection(loadIdentity({ certificate: { path } }), "USAGE");
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`private key: none given, and certificate (file ${path}) holds no private key`);
  });

  it("reports the missing certificate file by path", async () => {
    const err = await rejection(loadIdentity({ certificate: { path: "/no/such/cert.pem" }, privateKey: { path: interop("rsa-2048/key-pkcs8.pem") } }), "SOURCE_NOT_FOUND");
    expect(err.message).toBe("certificate (file /no/such/cert.pem): no such file");
  });

  it("refuses a certificate source holding only a key, or nothing usable", async () => {
    const keyPath = interop("rsa-2048/key-pkcs8.pem");
    const err = await rejection(loadIdentity({ certificate: { path: keyPath }, privateKey: { path: keyPath } }), "CERTIFICATE_PARSE");
    expect(err.message).toBe(`certificate (file ${keyPath}): holds no certificate (found: PRIVATE KEY)`);
    const der = await rejection(loadIdentity({ certificate: { path: interop("rsa-2048/key-pkcs1.der") } }), "CERTIFICATE_PARSE");
    expect(der.message).toContain("holds a private key, not a certificate");
    const text = await rejection(loadIdentity({ certificate: "hello" }), "CERTIFICATE_PARSE");
    expect(text.message).toBe("certificate (inline value): could not parse the certificate: it is neither PEM nor DER");
  });

  it("refuses a bad intermediates bundle", async () => {
    const spec = { certificate: { path: interop("rsa-2048/cert.pem") }, privateKey: { path: interop("rsa-2048/key-pkcs8.pem") } };
    const bundle = intermediateDer() + readFileSync(interop("rsa-2048/key-pkcs8.pem"), "utf8");
    const err = await rejection(loadIdentity({ ...spec, intermediates: bundle }), "CERTIFICATE_PARSE");
    expect(err.message).toBe("intermediates (inline PEM): invalid certificate chain: block #2 is PRIVATE KEY, not CERTIFICATE");
  });
});

describe("loadCertificate", () => {
  it("returns the first CERTIFICATE block only, as read-certificate-data does", async () => {
    const { certificate, der } = await loadCertificate({ path: interop("ec-p256/fullchain-reversed.pem") });
    expect(der.equals(derOf(interop("ca/root-cert.pem")))).toBe(true);
    expect(certificate.subject).toContain("CN=Interop Test Root CA");
  });

  it("skips a key before the certificate in a combined file", async () => {
    const { der } = await loadCertificate({ path: interop("rsa-2048/combo.pem") });
    expect(sha256(der)).toBe(manifest.leaves["rsa-2048"].sha256);
  });

  it("reads DER and base64 DER", async () => {
    const der = readFileSync(interop("ec-p384/cert.der"));
    expect((await loadCertificate(der)).der.equals(der)).toBe(true);
    expect((await loadCertificate(der.toString("base64"))).der.equals(der)).toBe(true);
  });

  it("reads the leaf of a password-less PKCS#12 file", async () => {
    const { der } = await loadCertificate({ path: interop("ec-p256/modern-nopass.p12") });
    expect(sha256(der)).toBe(manifest.leaves["ec-p256"].sha256);
  });

  it("reports a damaged certificate as CERTIFICATE_PARSE", async () => {
    // Certificate-shaped DER (SEQUENCE of SEQUENCE, SEQUENCE, BIT STRING) whose TBSCertificate is nonsense.
    const broken = Buffer.from("300a" + "3003020101" + "3000" + "030100", "hex");
    const err = await rejection(loadCertificate(broken), "CERTIFICATE_PARSE");
    expect(err.message).toBe("certificate (Buffer): could not parse the certificate (malformed DER: malformed TBSCertificate)");
  });

  it("refuses well-formed DER that is neither a certificate nor PKCS#12", async () => {
    const err = await rejection(loadCertificate(Buffer.from("3003020105", "hex")), "CERTIFICATE_PARSE");
    expect(err.message).toBe("certificate (Buffer): is DER but neither a certificate nor a PKCS#12 file");
  });

  it("rejects the official invalid-rsa-cert.pem with CERTIFICATE_PARSE", async () => {
    const path = official("tst/certs/invalid-rsa-cert.pem");
    const err = await rejection(loadCertificate({ path }), "CERTIFICATE_PARSE");
    expect(err.message).toBe(`certificate (file ${path}): could not parse the certificate (malformed X.509 structure)`);
  });

  it("reports a truncated certificate PEM", async () => {
    const pem = readFileSync(interop("rsa-2048/cert.pem"), "utf8");
    const err = await rejection(loadCertificate({ env: "C" }, { env: { C: pem.slice(0, 300) } }), "CERTIFICATE_PARSE");
    expect(err.message).toBe('certificate (env:C): truncated PEM: "-----BEGIN CERTIFICATE-----" at line 1 has no matching "-----END CERTIFICATE-----" line');
  });
});

describe("loadCertificates", () => {
  it("returns every certificate of a bundle, with comment lines between them", async () => {
    const pem = readFileSync(interop("rsa-2048/fullchain.pem"), "utf8").replace(/-----END CERTIFICATE-----\n/g, "$&Comment in bundle\n");
    const certs = await loadCertificates(pem);
    expect(certs).toHaveLength(3);
    expect(sha256(certs[0]!.der)).toBe(manifest.leaves["rsa-2048"].sha256);
  });

  it("refuses a bundle with a non-CERTIFICATE block", async () => {
    const path = interop("ec-p256/combo.pem");
    const err = await rejection(loadCertificates({ path }), "CERTIFICATE_PARSE");
    expect(err.message).toBe(`intermediates (file ${path}): invalid certificate chain: block #1 is PRIVATE KEY, not CERTIFICATE`);
  });
});

describe("serialToDecimal", () => {
  it("converts hex serials, ignoring leading zeros, colons and case", () => {
    expect(serialToDecimal("15")).toBe("21");
    expect(serialToDecimal("00008F1E2D3C4B5A69788796A5B4C3D2E1F0")).toBe(manifest.leaves["rsa-2048"].serialDecimal);
    expect(serialToDecimal("8f:1e:2d:3c:4b:5a:69:78:87:96:a5:b4:c3:d2:e1:f0")).toBe(manifest.leaves["rsa-2048"].serialDecimal);
    expect(serialToDecimal("42949F2D793CE1EE77A8BC5E1AA62770E43BA83A")).toBe("380107767491078309882765566837975439057989904442");
    expect(serialToDecimal("00")).toBe("0");
    expect(() => serialToDecimal("xyz")).toThrow(TypeError);
  });
});
