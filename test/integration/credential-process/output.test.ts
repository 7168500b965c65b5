import { createHash, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { certificateFingerprint } from "../../../src/credentials/fingerprint.js";
import { formatCredentialProcess } from "../../../src/outputs/credential-process.js";
import { createRootCa, issueClientCertificate } from "../../../src/pki/index.js";
import { Secret } from "../../../src/secret.js";

const creds = {
  accessKeyId: "ASIAEXAMPLEEXAMPLE01",
  secretAccessKey: new Secret("s3cr3t/with+chars=="),
  sessionToken: new Secret('token-with-"quote"'),
  expiration: new Date("2030-01-02T03:04:05Z"),
  expirationRaw: "2030-01-02T03:04:05Z",
  accountId: "123456789012",
  roleArn: "arn:aws:iam::123456789012:role/demo",
};

describe("formatCredentialProcess", () => {
  it("prints the Version 1 fields in the official order plus AccountId, with no trailing newline", () => {
    expect(formatCredentialProcess(creds)).toBe(
      '{"Version":1,"AccessKeyId":"ASIAEXAMPLEEXAMPLE01","SecretAccessKey":"s3cr3t/with+chars==","SessionToken":"token-with-\\"quote\\"","Expiration":"2030-01-02T03:04:05Z","AccountId":"123456789012"}',
    );
  });

  it("passes the service's expiration string through unchanged", () => {
    const out = JSON.parse(formatCredentialProcess({ ...creds, expirationRaw: "2030-01-02T03:04:05.123Z" })) as { Expiration: string };
    expect(out.Expiration).toBe("2030-01-02T03:04:05.123Z");
  });
});

describe("certificateFingerprint", () => {
  it("depends only on the certificates, not on line endings, extra text or a private key in the same PEM file", async () => {
    const root = await createRootCa({ keyType: "ec-p256" });
    const leaf = await issueClientCertificate(root, { keyType: "ec-p256" });
    const base = certificateFingerprint(Buffer.from(leaf.certPem));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(certificateFingerprint(Buffer.from(leaf.certPem.replace(/\n/g, "\r\n")))).toBe(base);
    expect(certificateFingerprint(Buffer.from(`subject=CN=x\n${leaf.certPem}${leaf.keyPem}`))).toBe(base);
    expect(certificateFingerprint(Buffer.from(leaf.keyPem + leaf.certPem))).toBe(base);
  });

  it("changes with the certificate and the chain; DER and PEM of one certificate agree", async () => {
    const root = await createRootCa({ keyType: "ec-p256" });
    const [a, b] = await Promise.all([issueClientCertificate(root, { keyType: "ec-p256" }), issueClientCertificate(root, { keyType: "ec-p256" })]);
    const fa = certificateFingerprint(Buffer.from(a.certPem));
    expect(certificateFingerprint(Buffer.from(b.certPem))).not.toBe(fa);
    expect(certificateFingerprint(Buffer.from(a.certPem), Buffer.from(root.certPem))).not.toBe(fa);
    // A fullchain file and the same certificates given as --certificate + --intermediates are different inputs.
    expect(certificateFingerprint(Buffer.from(a.certPem + root.certPem))).not.toBe(certificateFingerprint(Buffer.from(a.certPem), Buffer.from(root.certPem)));
    expect(certificateFingerprint(a.certDer)).toBe(fa);
  });

  it("hashes the DER of each certificate (SHA-256), as openssl's fingerprint does", async () => {
    const root = await createRootCa({ keyType: "ec-p256" });
    const der = new X509Certificate(root.certPem).raw;
    const expected = createHash("sha256")
      .update("certificate\0")
      .update(createHash("sha256").update(der).digest())
      .digest("hex");
    expect(certificateFingerprint(Buffer.from(root.certPem))).toBe(expected);
  });
});
