import { X509Certificate } from "node:crypto";
import { DOMParser, type Document } from "@xmldom/xmldom";

/** A SAML provider (IAM's saml-provider) in the emulator config. @public */
export interface SamlProviderConfig {
  /** The provider's name: its ARN is `arn:<partition>:iam::<account>:saml-provider/<name>`. */
  name: string;
  /** The IdP's signing certificate: PEM text or a file path. Give this or `metadata`. */
  certificate?: string;
  /** The IdP's SAML metadata XML (EntityDescriptor): text or a file path; its entityID becomes the expected Issuer. */
  metadata?: string;
  /** The expected Issuer of assertions (with `certificate`; metadata carries its own). */
  entityId?: string;
  /** The IdP's private key (PEM text or a file path): enables the emulated IdP sign-on page for this provider. */
  privateKey?: string;
}

/** A user of the emulated IdP. @public */
export interface SamlUserConfig {
  name: string;
  /** The password, or `env:NAME` to read it from the emulator's environment. */
  password: string;
  /** The provider (by name) whose IdP signs this user in; default the only provider with a private key. */
  provider?: string;
  /** Role ARNs the user may assume (each paired with the provider's ARN in the Role attribute). */
  roles: string[];
  /** The SessionDuration attribute, 900-43200 seconds; absent: not sent. */
  sessionDuration?: number;
  /** RoleSessionName attribute; default the user name. */
  roleSessionName?: string;
}

/** A resolved SAML provider. @internal */
export interface ResolvedSamlProvider {
  name: string;
  arn: string;
  /** PEM of the signing certificate. */
  certificatePem: string;
  entityId?: string;
  /** PEM of the IdP's private key, when the emulator plays the IdP. */
  privateKeyPem?: string;
}

/** A resolved IdP user. @internal */
export interface ResolvedSamlUser {
  name: string;
  password: string;
  providerArn: string;
  roles: string[];
  sessionDuration?: number;
  roleSessionName: string;
}

/** The SAML part of a resolved config. @internal */
export interface ResolvedSaml {
  providers: ResolvedSamlProvider[];
  users: ResolvedSamlUser[];
}

/** What resolveSaml needs from the config reader. @internal */
export interface SamlConfigContext {
  accountId: string;
  partition: string;
  /** Reads a PEM text or file reference (inline text passes through). */
  read: (ref: string, path: string) => Buffer;
  fail: (path: string, why: string) => never;
  env?: NodeJS.ProcessEnv;
}

const NAME_RE = /^[\w.-]{1,128}$/;
const ROLE_ARN_RE = /^arn:[\w-]+:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
const NS_MD = "urn:oasis:names:tc:SAML:2.0:metadata";
const NS_DS = "http://www.w3.org/2000/09/xmldsig#";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function keys(c: SamlConfigContext, o: unknown, path: string, allowed: string[]): Record<string, unknown> {
  if (!isObject(o)) c.fail(path, "must be an object");
  for (const k of Object.keys(o)) if (!allowed.includes(k)) c.fail(`${path}.${k}`, `unknown key (allowed: ${allowed.join(", ")})`);
  return o;
}

function str(c: SamlConfigContext, v: unknown, path: string): string {
  if (typeof v !== "string" || v === "") c.fail(path, "must be a non-empty string");
  return v;
}

/** Reads a PEM/XML reference: inline text (PEM or XML) passes through, else a file path. */
function material(c: SamlConfigContext, ref: string, path: string): string {
  const t = ref.trimStart();
  if (t.startsWith("<")) return ref;
  return c.read(ref, path).toString("utf8");
}

/** The signing certificate and entityID of SAML metadata (EntityDescriptor › IDPSSODescriptor › KeyDescriptor). @internal */
export function parseSamlMetadata(xml: string, fail: (why: string) => never): { certificatePem: string; entityId: string } {
  if (/<!DOCTYPE/i.test(xml)) fail("metadata must not have a DOCTYPE");
  let doc: Document;
  try {
    doc = new DOMParser({ onError: (level, msg) => { if (level !== "warning") throw new Error(msg); } })
      .parseFromString(xml, "text/xml");
  } catch (err) {
    return fail(`metadata is not well-formed XML (${(err as Error).message.split("\n")[0]})`);
  }
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS_MD || root.localName !== "EntityDescriptor") fail("metadata's root must be md:EntityDescriptor");
  const entityId = root.getAttribute("entityID");
  if (!entityId) fail("metadata's EntityDescriptor has no entityID");
  const idp = root.getElementsByTagNameNS(NS_MD, "IDPSSODescriptor")[0];
  if (!idp) fail("metadata has no IDPSSODescriptor");
  const descriptors = Array.from(idp.getElementsByTagNameNS(NS_MD, "KeyDescriptor"));
  const signing = descriptors.find((d) => (d.getAttribute("use") ?? "signing") === "signing");
  const certText = signing?.getElementsByTagNameNS(NS_DS, "X509Certificate")[0]?.textContent?.replace(/\s+/g, "");
  if (!certText) fail("metadata has no signing KeyDescriptor with an X509Certificate");
  const pem = `-----BEGIN CERTIFICATE-----\n${certText.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
  return { certificatePem: checkCertificate(pem, fail), entityId };
}

function checkCertificate(pem: string, fail: (why: string) => never): string {
  try {
    const cert = new X509Certificate(pem);
    if (cert.publicKey.asymmetricKeyType !== "rsa") fail(`the IdP certificate has a ${cert.publicKey.asymmetricKeyType} key; SAML signatures here are RSA`);
    return cert.toString();
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("the IdP certificate")) throw err;
    return fail("is not a PEM X.509 certificate");
  }
}

/**
 * Validates `samlProviders` and `samlUsers` of the emulator config. Pure
 * apart from the injected reader. Errors name the key path.
 * @internal
 */
export function resolveSaml(rawProviders: unknown, rawUsers: unknown, c: SamlConfigContext): ResolvedSaml | undefined {
  if (rawProviders === undefined && rawUsers === undefined) return undefined;
  if (!Array.isArray(rawProviders) || rawProviders.length < 1 || rawProviders.length > 20) c.fail("samlProviders", "must be an array of 1-20 providers");
  const names = new Set<string>();
  const providers = rawProviders.map((raw, i): ResolvedSamlProvider => {
    const p = `samlProviders[${i}]`;
    const o = keys(c, raw, p, ["name", "certificate", "metadata", "entityId", "privateKey"]);
    const name = str(c, o.name, `${p}.name`);
    if (!NAME_RE.test(name)) c.fail(`${p}.name`, "must be 1-128 letters, digits, '_', '.' or '-'");
    if (names.has(name)) c.fail(`${p}.name`, `duplicate provider name ${JSON.stringify(name)}`);
    names.add(name);
    if ((o.certificate === undefined) === (o.metadata === undefined)) c.fail(p, "give certificate or metadata (one of them)");
    const out: ResolvedSamlProvider = { name, arn: `arn:${c.partition}:iam::${c.accountId}:saml-provider/${name}`, certificatePem: "" };
    if (o.metadata !== undefined) {
      if (o.entityId !== undefined) c.fail(`${p}.entityId`, "comes from the metadata; drop it");
      const md = parseSamlMetadata(material(c, str(c, o.metadata, `${p}.metadata`), `${p}.metadata`), (why) => c.fail(`${p}.metadata`, why));
      out.certificatePem = md.certificatePem;
      out.entityId = md.entityId;
    } else {
      out.certificatePem = checkCertificate(material(c, str(c, o.certificate, `${p}.certificate`), `${p}.certificate`), (why) => c.fail(`${p}.certificate`, why));
      if (o.entityId !== undefined) out.entityId = str(c, o.entityId, `${p}.entityId`);
    }
    if (o.privateKey !== undefined) out.privateKeyPem = material(c, str(c, o.privateKey, `${p}.privateKey`), `${p}.privateKey`);
    return out;
  });
  const users: ResolvedSamlUser[] = [];
  if (rawUsers !== undefined) {
    if (!Array.isArray(rawUsers) || rawUsers.length > 1000) c.fail("samlUsers", "must be an array of at most 1000 users");
    const userNames = new Set<string>();
    rawUsers.forEach((raw, i) => {
      const p = `samlUsers[${i}]`;
      const o = keys(c, raw, p, ["name", "password", "provider", "roles", "sessionDuration", "roleSessionName"]);
      const name = str(c, o.name, `${p}.name`);
      if (userNames.has(name.toLowerCase())) c.fail(`${p}.name`, `duplicate user ${JSON.stringify(name)}`);
      userNames.add(name.toLowerCase());
      let password = str(c, o.password, `${p}.password`);
      if (password.startsWith("env:")) {
        const v = (c.env ?? process.env)[password.slice(4)];
        if (v === undefined || v === "") c.fail(`${p}.password`, `environment variable ${password.slice(4)} is not set`);
        password = v;
      }
      const signers = providers.filter((x) => x.privateKeyPem !== undefined);
      let provider: ResolvedSamlProvider | undefined;
      if (o.provider !== undefined) {
        const pn = str(c, o.provider, `${p}.provider`);
        provider = providers.find((x) => x.name === pn);
        if (!provider) c.fail(`${p}.provider`, `no samlProviders entry named ${JSON.stringify(pn)}`);
        if (provider.privateKeyPem === undefined) c.fail(`${p}.provider`, `provider ${pn} has no privateKey, so the emulator cannot sign in its users`);
      } else {
        if (signers.length !== 1) c.fail(`${p}.provider`, "name the provider (there is not exactly one with a privateKey)");
        provider = signers[0]!;
      }
      if (!Array.isArray(o.roles) || o.roles.length < 1 || o.roles.length > 50) c.fail(`${p}.roles`, "must be an array of 1-50 role ARNs");
      const roles = o.roles.map((r, j) => {
        const arn = str(c, r, `${p}.roles[${j}]`);
        if (!ROLE_ARN_RE.test(arn)) c.fail(`${p}.roles[${j}]`, `not a role ARN: ${JSON.stringify(arn)}`);
        return arn;
      });
      const user: ResolvedSamlUser = { name, password, providerArn: provider.arn, roles, roleSessionName: name };
      if (o.sessionDuration !== undefined) {
        const d = o.sessionDuration;
        if (typeof d !== "number" || !Number.isInteger(d) || d < 900 || d > 43200) c.fail(`${p}.sessionDuration`, "must be an integer 900-43200");
        user.sessionDuration = d;
      }
      if (o.roleSessionName !== undefined) user.roleSessionName = str(c, o.roleSessionName, `${p}.roleSessionName`);
      users.push(user);
    });
  }
  return { providers, users };
}
