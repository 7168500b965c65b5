import { describe, expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { credentialProcessDataFileNames, makeCredentialProcessData } from "../../../src/pki/index.js";
import { formatSummary } from "../../../src/cli/commands/generate-credential-process-data.js";

const NOW = new Date("2030-01-01T00:00:00Z");

describe("makeCredentialProcessData", () => {
  it("makes an ec-p256 root and a client it signed, as four files with the keys marked secret", async () => {
    const data = await makeCredentialProcessData({ now: NOW });
    expect(data.keyType).toBe("ec-p256");
    expect(data.files.map((f) => [f.name, f.secret])).toEqual([
      ["root-cert.pem", false],
      ["root-key.pem", true],
      ["client-cert.pem", false],
      ["client-key.pem", true],
    ]);
    expect(data.files.map((f) => f.name)).toEqual(credentialProcessDataFileNames(false));
    const root = new X509Certificate(data.files[0]!.contents);
    const client = new X509Certificate(data.files[2]!.contents);
    expect(client.verify(root.publicKey)).toBe(true);
    expect(client.checkPrivateKey(data.client.privateKey)).toBe(true);
    expect(data.files[3]!.contents).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(data.intermediate).toBeUndefined();
  });

  it("with an intermediate, signs the client with it and writes the fullchain as client + intermediate", async () => {
    const data = await makeCredentialProcessData({ keyType: "ec-p384", intermediate: true, now: NOW });
    expect(data.files.map((f) => f.name)).toEqual(credentialProcessDataFileNames(true));
    expect(data.client.x509.verify(data.intermediate!.x509.publicKey)).toBe(true);
    const fullchain = data.files.find((f) => f.name === "client-fullchain.pem")!.contents;
    expect(fullchain).toBe(data.client.certPem + data.intermediate!.certPem);
    expect(data.client.keyType).toBe("ec-p384");
  });

  it('reads "rsa" as RSA 2048', async () => {
    const data = await makeCredentialProcessData({ keyType: "rsa", now: NOW });
    expect([data.keyType, data.root.keyType, data.client.keyType]).toEqual(["rsa-2048", "rsa-2048", "rsa-2048"]);
  });
});

describe("generate-credential-process-data summary", () => {
  it("names each file, the trust anchor to upload and a credential_process line with the intermediates", async () => {
    const data = await makeCredentialProcessData({ intermediate: true, now: NOW });
    const text = formatSummary("/srv/my pki", data);
    expect(text).toContain("Wrote a test PKI (ec-p256 keys) to /srv/my pki:");
    expect(text).toMatch(/^ {2}client-key\.pem +client private key \(mode 0600, keep it private\)$/m);
    expect(text).toContain('create one with source type "Certificate bundle" from /srv/my pki/root-cert.pem');
    expect(text).toContain(
      "credential_process = signing-helper credential-process --certificate '/srv/my pki/client-cert.pem' --intermediates '/srv/my pki/intermediate-cert.pem' --private-key '/srv/my pki/client-key.pem' --trust-anchor-arn <TRUST_ANCHOR_ARN>",
    );
    expect(text).not.toContain("BEGIN");
  });
});
