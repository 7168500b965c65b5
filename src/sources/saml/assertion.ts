import { DOMParser, type Element } from "@xmldom/xmldom";
import { UsageError, ConfigError } from "../../errors.js";

/**
 * Reading a SAMLResponse on the client: what roles it offers, its
 * RoleSessionName and SessionDuration. No signature check here (STS does
 * that); the response is only read to choose a role pair. Pure.
 */

const NS_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion";
const ROLE = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/** A role the assertion lets its subject assume. @public */
export interface SamlRolePair {
  roleArn: string;
  principalArn: string;
}

/** What the client reads from a SAMLResponse. @public */
export interface SamlAssertionInfo {
  /** The base64 SAMLResponse, as STS takes it. */
  base64: string;
  roles: SamlRolePair[];
  roleSessionName?: string;
  sessionDuration?: number;
  /** Conditions NotOnOrAfter (ms), when present. */
  notOnOrAfter?: number;
}

/** Accepts a base64 SAMLResponse or its XML (whitespace ignored) and returns both forms. @internal */
export function normalizeSamlResponse(text: string, source: string): { base64: string; xml: string } {
  const t = text.trim();
  if (t.startsWith("<")) return { base64: Buffer.from(t, "utf8").toString("base64"), xml: t };
  const compact = t.replace(/\s+/g, "");
  // A SAMLResponse copied from a URL-encoded form body: decode it once.
  const decoded = /%[0-9A-Fa-f]{2}/.test(compact) ? decodeURIComponent(compact) : compact;
  if (decoded.length < 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(decoded) || decoded.length % 4 !== 0) {
    throw new ConfigError(`${source}: not a SAML response (neither base64 nor XML)`, { hint: "give the base64 SAMLResponse from the IdP's form, or its XML" });
  }
  const xml = Buffer.from(decoded, "base64").toString("utf8");
  if (!xml.trimStart().startsWith("<")) throw new ConfigError(`${source}: the base64 text does not decode to XML`, { hint: "give the SAMLResponse value of the IdP's form" });
  return { base64: decoded, xml };
}

function childrenNamed(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === NS_ASSERTION && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

/** Reads the AWS attributes of a SAMLResponse. @throws ConfigError for a response that is not SAML. @public */
export function readSamlAssertion(text: string, source = "the SAML response"): SamlAssertionInfo {
  const { base64, xml } = normalizeSamlResponse(text, source);
  if (/<!DOCTYPE/i.test(xml)) throw new ConfigError(`${source}: a SAML response has no DOCTYPE`);
  let doc;
  try {
    doc = new DOMParser({ onError: (level, msg) => { if (level !== "warning") throw new Error(msg); } }).parseFromString(xml, "text/xml");
  } catch (err) {
    throw new ConfigError(`${source}: not well-formed XML (${(err as Error).message.split("\n")[0]})`);
  }
  const assertions = Array.from(doc.getElementsByTagNameNS(NS_ASSERTION, "Assertion"));
  if (assertions.length === 0) {
    const encrypted = doc.getElementsByTagNameNS(NS_ASSERTION, "EncryptedAssertion").length > 0;
    throw new ConfigError(`${source}: ${encrypted ? "the assertion is encrypted" : "no SAML Assertion in it"}`, {
      hint: encrypted ? "ask for the AWS relying party to be set up without assertion encryption" : "give the SAMLResponse of a sign-on to urn:amazon:webservices",
    });
  }
  const a = assertions[0]!;
  const info: SamlAssertionInfo = { base64, roles: [] };
  for (const st of childrenNamed(a, "AttributeStatement")) {
    for (const at of childrenNamed(st, "Attribute")) {
      const name = at.getAttribute("Name");
      const values = childrenNamed(at, "AttributeValue").map((v) => (v.textContent ?? "").trim());
      if (name === ROLE) {
        for (const v of values) {
          const parts = v.split(",").map((s) => s.trim());
          const roleArn = parts.find((p) => /^arn:[\w-]+:iam::\d{12}:role\//.test(p));
          const principalArn = parts.find((p) => /^arn:[\w-]+:iam::\d{12}:saml-provider\//.test(p));
          if (parts.length === 2 && roleArn && principalArn) info.roles.push({ roleArn, principalArn });
        }
      } else if (name === SESSION_NAME && values[0] !== undefined) info.roleSessionName = values[0];
      else if (name === SESSION_DURATION && values[0] !== undefined && /^\d{1,6}$/.test(values[0])) info.sessionDuration = Number(values[0]);
    }
  }
  const until = childrenNamed(a, "Conditions")[0]?.getAttribute("NotOnOrAfter");
  if (until) {
    const ms = Date.parse(until);
    if (!Number.isNaN(ms)) info.notOnOrAfter = ms;
  }
  return info;
}

/**
 * Chooses the role pair: the one named by roleArn (and principalArn), or the
 * only one. With several and none named, or a name not offered, the error
 * lists the pairs.
 * @public
 */
export function chooseSamlRole(info: Pick<SamlAssertionInfo, "roles">, want: { roleArn?: string; principalArn?: string }, flags = { role: "--role-arn", principal: "--principal-arn" }): SamlRolePair {
  const list = () => info.roles.map((p) => `${p.roleArn} (${p.principalArn})`).join("; ");
  if (info.roles.length === 0) throw new ConfigError("the SAML assertion offers no AWS role (no https://aws.amazon.com/SAML/Attributes/Role value)", { hint: "ask the IdP's administrators to map your groups to AWS roles" });
  const matches = info.roles.filter((p) => (want.roleArn === undefined || p.roleArn === want.roleArn) && (want.principalArn === undefined || p.principalArn === want.principalArn));
  if (matches.length === 1) return matches[0]!;
  if (want.roleArn === undefined && want.principalArn === undefined) {
    throw new UsageError(`the SAML assertion offers ${info.roles.length} roles; choose one with ${flags.role}: ${list()}`);
  }
  if (matches.length === 0) throw new UsageError(`the SAML assertion does not offer ${want.roleArn ?? want.principalArn}; it offers: ${list()}`);
  throw new UsageError(`${want.roleArn} is offered by several providers; choose one with ${flags.principal}: ${list()}`);
}
