import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../../src/emulator/config.js";
import { createRootCa } from "../../../src/pki/index.js";

async function rsaCertPem(): Promise<string> {
  const ca = await createRootCa({ keyType: "rsa-2048" });
  return ca.certPem;
}

const base = (cert: string) => ({
  trustAnchors: [{ name: "ta", certificates: [cert] }],
  profiles: [{ name: "p", roleArns: ["arn:aws:iam::123456789012:role/r"] }],
});

describe("emulator config: samlProviders and samlUsers", () => {
  it("reads a provider from SAML metadata: its certificate and entityID", async () => {
    const pem = await rsaCertPem();
    const b64 = new X509Certificate(pem).raw.toString("base64");
    const metadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://idp.example/adfs/services/trust">` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">` +
      `<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
      `</md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>`;
    const cfg = resolveConfig({ ...base(pem), samlProviders: [{ name: "corp", metadata }] }, { baseDir: "/" });
    expect(cfg.saml?.providers[0]).toMatchObject({ name: "corp", arn: "arn:aws:iam::123456789012:saml-provider/corp", entityId: "http://idp.example/adfs/services/trust" });
    expect(new X509Certificate(cfg.saml!.providers[0]!.certificatePem).raw.equals(new X509Certificate(pem).raw)).toBe(true);
  });

  it("refuses bad entries with the key path", async () => {
    const pem = await rsaCertPem();
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const key = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const bad = (extra: object) => () => resolveConfig({ ...base(pem), ...extra }, { baseDir: "/" });
    expect(bad({ samlProviders: [{ name: "x" }] })).toThrow("config: samlProviders[0]: give certificate or metadata (one of them)");
    expect(bad({ samlProviders: [{ name: "x", certificate: pem, color: 1 }] })).toThrow("samlProviders[0].color: unknown key");
    expect(bad({ samlProviders: [{ name: "x", metadata: "<a>" }] })).toThrow("samlProviders[0].metadata: metadata is not well-formed XML");
    expect(bad({ samlProviders: [{ name: "x", certificate: pem }], samlUsers: [{ name: "u", password: "p", roles: ["arn:aws:iam::123456789012:role/r"] }] }))
      .toThrow("samlUsers[0].provider: name the provider");
    expect(bad({ samlProviders: [{ name: "x", certificate: pem, privateKey: key }], samlUsers: [{ name: "u", password: "env:I19_UNSET_VAR", roles: ["arn:aws:iam::123456789012:role/r"] }] }))
      .toThrow("samlUsers[0].password: environment variable I19_UNSET_VAR is not set");
    expect(bad({ samlProviders: [{ name: "x", certificate: pem, privateKey: key }], samlUsers: [{ name: "u", password: "p", roles: ["not-an-arn"] }] }))
      .toThrow('samlUsers[0].roles[0]: not a role ARN: "not-an-arn"');
  });
});
