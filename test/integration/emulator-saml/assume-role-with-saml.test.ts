import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa } from "../../../src/pki/index.js";
import { generateSamlIdpIdentity, type SamlIdpIdentity } from "../../../src/emulator/saml/idp-identity.js";
import { samlResponseXml, signSamlAssertion, type SamlResponseInput } from "../../../src/emulator/saml/idp-response.js";

const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasXmlsec = spawnSync("xmlsec1", ["--version"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";
const xmlsecNote = hasXmlsec ? "" : " [skipped: xmlsec1 is not on PATH]";
const PASSWORD = "corr3ct-h0rse-saml";
const ID_ATTR = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion";

let emu: RunningEmulator;
let idp: SamlIdpIdentity;
let dir: string;
const audit: string[] = [];
beforeAll(async () => {
  const root = await createRootCa();
  idp = await generateSamlIdpIdentity();
  emu = await startEmulator({
    trustAnchorCertPem: root.certPem,
    samlUser: { name: "alice", password: PASSWORD },
    samlIdpIdentity: idp,
    onAudit: (e) => audit.push(JSON.stringify(e)),
  });
  dir = mkdtempSync(join(tmpdir(), "saml-sts-"));
  writeFileSync(join(dir, "config"), "");
  writeFileSync(join(dir, "credentials"), "");
  writeFileSync(join(dir, "idp-cert.pem"), idp.certificatePem);
  writeFileSync(join(dir, "idp-key.pem"), idp.privateKeyPem);
}, 60_000);
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Signs in at the emulated IdP like a browser: follows the redirect, posts the form, reads SAMLResponse. */
async function signIn(password: string): Promise<{ status: number; html: string; samlResponse?: string }> {
  const start = await fetch(emu.samlIdpUrl!, { redirect: "manual" });
  expect(start.status).toBe(302);
  const formUrl = new URL(start.headers.get("location")!, emu.endpoint);
  const form = await (await fetch(formUrl)).text();
  const action = /<form method="post" id="loginForm"[^>]* action="([^"]+)"/.exec(form)?.[1]?.replace(/&amp;/g, "&");
  expect(action).toBeDefined();
  const r = await fetch(new URL(action!, emu.endpoint), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ UserName: "alice", Password: password, AuthMethod: "FormsAuthentication" }).toString(),
  });
  const html = await r.text();
  const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1];
  return { status: r.status, html, ...(samlResponse ? { samlResponse } : {}) };
}

async function assume(b64: string, roleArn = emu.roleArn, principalArn = emu.samlProviderArn!) {
  const r = await fetch(emu.endpoint + "/", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ Action: "AssumeRoleWithSAML", Version: "2011-06-15", RoleArn: roleArn, PrincipalArn: principalArn, SAMLAssertion: b64 }).toString(),
  });
  const text = await r.text();
  return { status: r.status, text, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]+)<\/Message>/.exec(text)?.[1] };
}

const b64 = (xml: string) => Buffer.from(xml, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

function signed(over: Partial<SamlResponseInput> = {}): string {
  const xml = samlResponseXml({
    issuer: "urn:test:idp", nameId: "alice", roleSessionName: "alice",
    rolePairs: [{ roleArn: emu.roleArn, principalArn: emu.samlProviderArn! }], now: Date.now(), ...over,
  });
  return signSamlAssertion(xml, idp.privateKeyPem, idp.certificatePem);
}

function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return { ...env, AWS_CONFIG_FILE: join(dir, "config"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_EC2_METADATA_DISABLED: "true", ...extra };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = isolatedEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The signed Assertion element of a response, as text. */
function assertionOf(xml: string): string {
  const m = /<Assertion [\s\S]*<\/Assertion>/.exec(xml);
  expect(m).not.toBeNull();
  return m![0];
}

describe("emulated IdP and STS AssumeRoleWithSAML", () => {
  it("the IdP signs alice in and STS mints a role session for the assertion's RoleSessionName", async () => {
    const { samlResponse } = await signIn(PASSWORD);
    expect(samlResponse).toBeDefined();
    const xml = unb64(samlResponse!);
    expect(xml).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"');
    expect(xml).toContain('Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"');
    expect(xml).toContain("<Audience>urn:amazon:webservices</Audience>");
    expect(xml).toContain('Recipient="https://signin.aws.amazon.com/saml"');
    const r = await assume(samlResponse!);
    expect(r.status).toBe(200);
    expect(r.text).toContain(`<Arn>arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/alice</Arn>`);
    expect(r.text).toContain("<Audience>https://signin.aws.amazon.com/saml</Audience>");
  });

  it.skipIf(!hasAws)("aws sts assume-role-with-saml accepts the IdP's assertion, and the credentials work for get-caller-identity and assume-role" + awsNote, async () => {
    const { samlResponse } = await signIn(PASSWORD);
    const file = join(dir, "assertion.b64");
    writeFileSync(file, samlResponse!);
    const r = await run("aws", ["sts", "assume-role-with-saml", "--endpoint-url", emu.endpoint, "--region", emu.region, "--output", "json",
      "--role-arn", emu.roleArn, "--principal-arn", emu.samlProviderArn!, "--saml-assertion", `file://${file}`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string }; AssumedRoleUser: { Arn: string }; Subject: string; SubjectType: string };
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/alice`);
    expect(out.Subject).toBe("alice");
    expect(out.SubjectType).toBe("persistent");
    const env = isolatedEnv({ AWS_ACCESS_KEY_ID: out.Credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: out.Credentials.SecretAccessKey, AWS_SESSION_TOKEN: out.Credentials.SessionToken });
    const who = await run("aws", ["sts", "get-caller-identity", "--endpoint-url", emu.endpoint, "--region", emu.region, "--output", "json"], env);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout).Arn).toBe(out.AssumedRoleUser.Arn);
    const chained = await run("aws", ["sts", "assume-role", "--endpoint-url", emu.endpoint, "--region", emu.region, "--output", "json",
      "--role-arn", emu.roleArn, "--role-session-name", "after-saml"], env);
    expect(chained.stderr).toBe("");
    expect(JSON.parse(chained.stdout).AssumedRoleUser.Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/after-saml`);
  }, 60_000);

  it.skipIf(!hasXmlsec)("xmlsec1 verifies the IdP's responses with the provider's certificate" + xmlsecNote, async () => {
    const { samlResponse } = await signIn(PASSWORD);
    const file = join(dir, "response.xml");
    writeFileSync(file, unb64(samlResponse!));
    const ok = await run("xmlsec1", ["--verify", "--pubkey-cert-pem", join(dir, "idp-cert.pem"), "--id-attr:ID", ID_ATTR, file]);
    expect(ok.stderr).toMatch(/^OK/m);
    expect(ok.code).toBe(0);
    // And the same tool refuses it once an attribute is changed (the check can fail).
    writeFileSync(file, unb64(samlResponse!).replace(">alice</AttributeValue>", ">mallory</AttributeValue>"));
    const bad = await run("xmlsec1", ["--verify", "--pubkey-cert-pem", join(dir, "idp-cert.pem"), "--id-attr:ID", ID_ATTR, file]);
    expect(bad.code).not.toBe(0);
  });

  it.skipIf(!hasXmlsec)("a response signed by xmlsec1 --sign with the provider's key is accepted" + xmlsecNote, async () => {
    const unsignedXml = samlResponseXml({
      issuer: "urn:test:xmlsec", nameId: "bob", roleSessionName: "bob-xmlsec",
      rolePairs: [{ roleArn: emu.roleArn, principalArn: emu.samlProviderArn! }], now: Date.now(),
    }, { response: "_resp1", assertion: "_assert1" });
    const template =
      `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
      `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
      `<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
      `<ds:Reference URI="#_assert1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
      `<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>` +
      `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>` +
      `<ds:SignatureValue/></ds:Signature>`;
    const withTemplate = unsignedXml.replace("<Issuer>urn:test:xmlsec</Issuer>", `<Issuer>urn:test:xmlsec</Issuer>${template}`);
    writeFileSync(join(dir, "template.xml"), withTemplate);
    const out = join(dir, "xmlsec-signed.xml");
    const s = await run("xmlsec1", ["--sign", "--privkey-pem", join(dir, "idp-key.pem"), "--id-attr:ID", ID_ATTR, "--output", out, join(dir, "template.xml")]);
    expect(s.stderr).toBe("");
    expect(s.code).toBe(0);
    const r = await assume(b64(readFileSync(out, "utf8")));
    expect(r.message, audit.at(-1)).toBeUndefined();
    expect(r.status).toBe(200);
    expect(r.text).toContain("assumed-role/rolesanywhere-emulator/bob-xmlsec</Arn>");
  });

  describe("refusals", () => {
    it("an attribute changed after signing", async () => {
      const xml = unb64((await signIn(PASSWORD)).samlResponse!);
      const r = await assume(b64(xml.replace(">alice</AttributeValue>", ">mallory</AttributeValue>")));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
    });

    it("signature wrapping 1: an evil assertion with the signed one's ID, the signed one hidden in Extensions", async () => {
      const xml = signed();
      const a = assertionOf(xml);
      const evil = a.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "").replace(">alice</AttributeValue>", ">mallory</AttributeValue>");
      const wrapped = xml.replace(a, `<samlp:Extensions>${a}</samlp:Extensions>${evil}`);
      const r = await assume(b64(wrapped));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
    });

    it("signature wrapping 2: the signed assertion nested inside the evil one's Signature Object", async () => {
      const xml = signed();
      const a = assertionOf(xml);
      const sig = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(a)![0];
      const evilBody = a.replace(sig, "").replace(">alice</AttributeValue>", ">mallory</AttributeValue>");
      const sigWithObject = sig.replace("</ds:Signature>", `<ds:Object>${a.replace(sig, "")}</ds:Object></ds:Signature>`);
      const evil = evilBody.replace(/(<Issuer>[^<]*<\/Issuer>)/, `$1${sigWithObject}`);
      const r = await assume(b64(xml.replace(a, evil)));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
    });

    it("signature wrapping 3: the evil assertion (new ID) carries the signature, the signed original moved under its Subject", async () => {
      const xml = signed();
      const a = assertionOf(xml);
      const sig = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(a)![0];
      const evil = a.replace(/ID="[^"]+"/, 'ID="_evil"').replace(">alice</AttributeValue>", ">mallory</AttributeValue>")
        .replace("</Subject>", `<SubjectConfirmation Method="urn:x"><SubjectConfirmationData>${a.replace(sig, "")}</SubjectConfirmationData></SubjectConfirmation></Subject>`);
      const r = await assume(b64(xml.replace(a, evil)));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
    });

    it("a second, unsigned assertion beside the signed one", async () => {
      const xml = signed();
      const a = assertionOf(xml);
      const other = a.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, "").replace(/ID="[^"]+"/, 'ID="_other"').replace(">alice</AttributeValue>", ">mallory</AttributeValue>");
      const r = await assume(b64(xml.replace(a, a + other)));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
    });

    it("a comment injected into the NameID (the signature alone would still verify under exclusive C14N)", async () => {
      const xml = signed({ nameId: "alice@example.com.evil.test" });
      const r = await assume(b64(xml.replace(">alice@example.com.evil.test<", ">alice@example.com<!---->.evil.test<")));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
      expect(audit.at(-1)).toContain("comment");
    });

    it("an expired assertion", async () => {
      const r = await assume(b64(signed({ now: Date.now() - 3_600_000 })));
      expect([r.status, r.code, r.message]).toEqual([400, "ExpiredTokenException", "Response has expired"]);
    });

    it("a wrong audience", async () => {
      const r = await assume(b64(signed({ audience: "urn:example:other-sp" })));
      expect([r.status, r.code]).toEqual([400, "InvalidIdentityToken"]);
      expect(r.message).toContain("Audience");
    });

    it("a wrong recipient", async () => {
      const r = await assume(b64(signed({ recipient: "https://example.test/saml" })));
      expect([r.status, r.code]).toEqual([400, "InvalidIdentityToken"]);
      expect(r.message).toContain("Recipient");
    });

    it("a role pair not in the assertion", async () => {
      const other = `arn:aws:iam::${emu.accountId}:role/not-in-the-assertion`;
      const r = await assume(b64(signed()), other);
      expect([r.status, r.code, r.message]).toEqual([403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"]);
    });

    it("an unknown provider", async () => {
      const r = await assume(b64(signed()), emu.roleArn, `arn:aws:iam::${emu.accountId}:saml-provider/unknown-idp`);
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Specified provider doesn&apos;t exist"]);
    });

    it("a response signed by another key", async () => {
      const other = await generateSamlIdpIdentity();
      const xml = samlResponseXml({ issuer: "urn:x", nameId: "alice", roleSessionName: "alice", rolePairs: [{ roleArn: emu.roleArn, principalArn: emu.samlProviderArn! }], now: Date.now() });
      const r = await assume(b64(signSamlAssertion(xml, other.privateKeyPem, other.certificatePem)));
      expect([r.status, r.code, r.message]).toEqual([400, "InvalidIdentityToken", "Response signature invalid"]);
    });

    it("a wrong password at the IdP: the form again with ADFS's error text, no SAMLResponse, and the password in no audit entry", async () => {
      const r = await signIn("wrong-" + PASSWORD);
      expect(r.status).toBe(200);
      expect(r.samlResponse).toBeUndefined();
      expect(r.html).toContain("Incorrect user ID or password.");
      expect(audit.join("\n")).not.toContain(PASSWORD);
    });
  });
});
