import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa } from "../../../src/pki/index.js";
import { Secret } from "../../../src/secret.js";
import { resolveStsEndpoint } from "../../../src/sources/sts/endpoint.js";
import type { StsCallConfig } from "../../../src/sources/sts/client.js";
import { samlSource } from "../../../src/credentials/saml-source.js";
import { samlSignIn } from "../../../src/sources/saml/idp-login.js";
import { chooseSamlRole, readSamlAssertion } from "../../../src/sources/saml/assertion.js";
import { generateSamlIdpIdentity, type SamlIdpIdentity } from "../../../src/emulator/saml/idp-identity.js";
import { samlResponseXml, signSamlAssertion } from "../../../src/emulator/saml/idp-response.js";

const PASSWORD = "s0urce-Saml-pw";
let emu: RunningEmulator;
let mfa: Server;
let mfaUrl: string;
let sts: StsCallConfig;
let idp: SamlIdpIdentity;

beforeAll(async () => {
  idp = await generateSamlIdpIdentity();
  emu = await startEmulator({ trustAnchorCertPem: (await createRootCa()).certPem, samlUser: { name: "dave", password: PASSWORD }, samlIdpIdentity: idp });
  sts = {
    endpoint: resolveStsEndpoint({ region: "us-east-1", endpoint: emu.endpoint }),
    tls: { rejectUnauthorized: true },
    proxy: { httpProxy: new Secret(""), httpsProxy: new Secret(""), noProxy: "" },
    timeoutMs: 5000,
    maxAttempts: 1,
  };
  // An IdP whose password step succeeds and then asks for a one-time code (an MFA page).
  mfa = createServer((req, res) => {
    res.setHeader("content-type", "text/html");
    if (req.method === "GET") res.end(`<form method="post" action="/login"><input name="UserName" type="email"><input name="Password" type="password"></form>`);
    else res.end(`<form method="post" action="/mfa"><input name="Context" type="hidden" value="x"><input name="VerificationCode" type="text"></form>`);
  });
  await new Promise<void>((r) => mfa.listen(0, "127.0.0.1", r));
  mfaUrl = `http://127.0.0.1:${(mfa.address() as AddressInfo).port}/adfs/ls/IdpInitiatedSignOn.aspx`;
}, 60_000);
afterAll(async () => {
  await emu?.close();
  await new Promise((r) => mfa?.close(r));
});

describe("saml source", () => {
  it("signs in at the IdP (redirect, form) and gets role credentials from AssumeRoleWithSAML", async () => {
    const src = samlSource({ response: { kind: "idp", url: emu.samlIdpUrl!, username: "dave", password: () => new Secret(PASSWORD) }, sts });
    const c = await src.fetch();
    expect(c.assumedRoleArn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/dave`);
    expect(c.roleArn).toBe(emu.roleArn);
    expect(c.expiration.getTime()).toBeGreaterThan(Date.now());
    expect(src.describe()?.join(" ")).not.toContain(PASSWORD);
  });

  it("from a given assertion (base64 or XML), with the only role pair chosen", async () => {
    const b64 = await samlSignIn({ url: emu.samlIdpUrl!, username: "dave", password: new Secret(PASSWORD) });
    const info = readSamlAssertion(b64);
    expect(info.roles).toEqual([{ roleArn: emu.roleArn, principalArn: emu.samlProviderArn }]);
    expect(info.roleSessionName).toBe("dave");
    const xml = Buffer.from(b64, "base64").toString("utf8");
    const c = await samlSource({ response: { kind: "assertion", read: () => xml, name: "--saml-assertion" }, sts }).fetch();
    expect(c.assumedRoleArn).toContain("assumed-role/rolesanywhere-emulator/dave");
  });

  it("an expired given assertion is refused before any call, saying it cannot be renewed", async () => {
    const xml = signSamlAssertion(samlResponseXml({ issuer: "urn:x", nameId: "dave", roleSessionName: "dave",
      rolePairs: [{ roleArn: emu.roleArn, principalArn: emu.samlProviderArn! }], now: Date.now() - 3_600_000 }), idp.privateKeyPem, idp.certificatePem);
    const src = samlSource({ response: { kind: "assertion", read: () => xml, name: "--saml-assertion old.xml" }, sts });
    await expect(src.fetch()).rejects.toThrow(/^--saml-assertion old\.xml: the SAML assertion expired at .*, and an assertion cannot be renewed$/);
  });

  it("a wrong password is one clear error", async () => {
    await expect(samlSignIn({ url: emu.samlIdpUrl!, username: "dave", password: new Secret("nope") }))
      .rejects.toMatchObject({ code: "SAML_IDP", message: "the SAML IdP refused the user name or password of dave" });
  });

  it("an MFA page is one clear error", async () => {
    await expect(samlSignIn({ url: mfaUrl, username: "dave", password: new Secret(PASSWORD) }))
      .rejects.toMatchObject({ code: "SAML_IDP", message: expect.stringContaining("another sign-in step (multi-factor authentication?)") });
  });

  it("a page with no form is one clear error", async () => {
    await expect(samlSignIn({ url: emu.endpoint + "/saml-idp/nope/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices", username: "dave", password: new Secret(PASSWORD) }))
      .rejects.toMatchObject({ code: "SAML_IDP", message: expect.stringContaining("HTTP 404") });
  });

  it("STS's refusal comes back as one line with STS's code (a pair the assertion does not offer, forced)", async () => {
    const b64 = await samlSignIn({ url: emu.samlIdpUrl!, username: "dave", password: new Secret(PASSWORD) });
    const { assumeRoleWithSaml } = await import("../../../src/sources/saml/assume-role-with-saml.js");
    const err = await assumeRoleWithSaml(sts, { roleArn: `arn:aws:iam::${emu.accountId}:role/other`, principalArn: emu.samlProviderArn! }, b64, undefined).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain("Not authorized to perform sts:AssumeRoleWithSAML");
    expect(String((err as Error).message)).not.toContain("\n");
  });

  it("several pairs and none named: the error lists them; a named one is chosen", () => {
    const info = { roles: [
      { roleArn: "arn:aws:iam::111111111111:role/a", principalArn: "arn:aws:iam::111111111111:saml-provider/p" },
      { roleArn: "arn:aws:iam::222222222222:role/b", principalArn: "arn:aws:iam::222222222222:saml-provider/p" },
    ] };
    expect(() => chooseSamlRole(info, {})).toThrow("the SAML assertion offers 2 roles; choose one with --role-arn: arn:aws:iam::111111111111:role/a (arn:aws:iam::111111111111:saml-provider/p); arn:aws:iam::222222222222:role/b");
    expect(chooseSamlRole(info, { roleArn: "arn:aws:iam::222222222222:role/b" }).principalArn).toBe("arn:aws:iam::222222222222:saml-provider/p");
    expect(() => chooseSamlRole(info, { roleArn: "arn:aws:iam::333333333333:role/c" })).toThrow("does not offer arn:aws:iam::333333333333:role/c");
  });
});
