import { DOMParser, type Document, type Element, type Node } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";

/**
 * Checks a SAML 2.0 Response as STS AssumeRoleWithSAML does, strictly: the
 * XML signature is verified by xml-crypto against the provider's certificate
 * (never a certificate from KeyInfo), and every fact is read from the XML that
 * the signature covers (xml-crypto's signed references), not from the
 * document that was posted. Refused before the signature is even looked at:
 * a DOCTYPE, comments or processing instructions, more than one Assertion,
 * an EncryptedAssertion, duplicate IDs, more or fewer than one Signature, a
 * Signature that is not a child of the Assertion or the Response, or whose
 * single Reference does not name its parent's ID. Pure (time is a parameter).
 */

export const NS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  ds: "http://www.w3.org/2000/09/xmldsig#",
} as const;
export const AWS_AUDIENCE = "urn:amazon:webservices";
export const AWS_RECIPIENT = "https://signin.aws.amazon.com/saml";
export const ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role";
export const SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
export const SESSION_DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
const ALGORITHMS = {
  signature: ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"],
  c14n: ["http://www.w3.org/2001/10/xml-exc-c14n#"],
};

/** A checked assertion's facts. @internal */
export interface SamlAssertionFacts {
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  /** Role attribute values as [roleArn, principalArn] (either order in the assertion). */
  rolePairs: Array<{ roleArn: string; principalArn: string }>;
  roleSessionName?: string;
  sessionDuration?: string;
  /** AuthnStatement's SessionNotOnOrAfter, ms. */
  sessionNotOnOrAfter?: number;
  notOnOrAfter: number;
}

/** Why an assertion was refused: the STS error code and message, and a detail for the audit log. @internal */
export interface SamlRefusal {
  code: "InvalidIdentityToken" | "ExpiredTokenException";
  message: string;
  reason: string;
}

export type SamlCheck = { ok: true; facts: SamlAssertionFacts } | { ok: false; refusal: SamlRefusal };

const invalid = (message: string, reason: string): SamlCheck => ({ ok: false, refusal: { code: "InvalidIdentityToken", message, reason } });
const badSignature = (reason: string): SamlCheck => invalid("Response signature invalid", reason);

function parse(xml: string): Document | undefined {
  try {
    return new DOMParser({ onError: (level, msg) => { if (level !== "warning") throw new Error(msg); } }).parseFromString(xml, "text/xml");
  } catch {
    return undefined;
  }
}

function elements(root: Document | Element, ns: string, name: string): Element[] {
  return Array.from(root.getElementsByTagNameNS(ns, name));
}

function children(el: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}

function child(el: Element | undefined, ns: string, name: string): Element | undefined {
  return el ? children(el, ns, name)[0] : undefined;
}

/** Whether any comment or processing instruction is in the tree. */
function hasCommentOrPi(node: Node): boolean {
  for (let n = node.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 8 || n.nodeType === 7) return true;
    if (n.nodeType === 1 && hasCommentOrPi(n)) return true;
  }
  return false;
}

function allIds(node: Node, out: string[]): void {
  for (let n = node.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const el = n as Element;
    for (const a of ["ID", "Id", "id"]) {
      const v = el.getAttribute(a);
      if (v !== null) out.push(v);
    }
    allIds(el, out);
  }
}

function time(v: string | null): number | undefined {
  if (v === null) return undefined;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v)) return NaN;
  return Date.parse(v);
}

/** Decodes the SAMLResponse parameter: base64 of the XML (whitespace allowed). @internal */
export function decodeSamlResponse(b64: string): string | undefined {
  const compact = b64.replace(/\s+/g, "");
  if (compact.length < 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, "base64").toString("utf8");
}

/**
 * Verifies a SAMLResponse (its XML) for a provider: signature, structure,
 * audience, recipient, time window (± skewSeconds), and reads the AWS attributes.
 * @internal
 */
export function checkSamlResponse(xml: string, provider: { certificatePem: string; entityId?: string }, now: number, skewSeconds = 300): SamlCheck {
  if (/<!DOCTYPE/i.test(xml)) return invalid("Invalid SAML response", "DOCTYPE in the response");
  const doc = parse(xml);
  if (!doc || !doc.documentElement) return invalid("Invalid SAML response", "not well-formed XML");
  const root = doc.documentElement;
  if (root.namespaceURI !== NS.protocol || root.localName !== "Response") return invalid("Invalid SAML response", "root element is not samlp:Response");
  if (hasCommentOrPi(root)) return badSignature("comment or processing instruction in the response");
  const status = child(child(root, NS.protocol, "Status"), NS.protocol, "StatusCode")?.getAttribute("Value");
  if (status !== "urn:oasis:names:tc:SAML:2.0:status:Success") return invalid("Invalid SAML response", `status is ${status ?? "missing"}`);
  if (elements(doc, NS.assertion, "EncryptedAssertion").length > 0) return invalid("Invalid SAML response", "encrypted assertions are not supported by the emulator");
  const assertions = elements(doc, NS.assertion, "Assertion");
  if (assertions.length !== 1) return badSignature(`${assertions.length} Assertion elements; exactly one is accepted`);
  const assertion = assertions[0]!;
  if (assertion.parentNode !== root) return badSignature("the Assertion is not a child of the Response");
  const ids: string[] = [];
  allIds(doc, ids);
  if (new Set(ids).size !== ids.length) return badSignature("duplicate ID attributes");

  const signatures = elements(doc, NS.ds, "Signature");
  if (signatures.length !== 1) return badSignature(`${signatures.length} Signature elements; exactly one is accepted`);
  const signature = signatures[0]!;
  const signedParent = signature.parentNode as Element | null;
  if (signedParent !== assertion && signedParent !== root) return badSignature("the Signature is not a child of the Assertion or the Response");
  const references = elements(signature, NS.ds, "Reference");
  const parentId = signedParent.getAttribute("ID");
  if (references.length !== 1 || !parentId || references[0]!.getAttribute("URI") !== `#${parentId}`) {
    return badSignature("the Signature's one Reference must name its parent element's ID");
  }

  const verifier = new SignedXml({
    publicCert: provider.certificatePem,
    getCertFromKeyInfo: () => null,
  });
  let valid = false;
  try {
    verifier.loadSignature(signature);
    if (!ALGORITHMS.signature.includes(verifier.signatureAlgorithm ?? "")) return badSignature(`signature algorithm ${verifier.signatureAlgorithm} is not accepted`);
    if (!ALGORITHMS.c14n.includes(verifier.canonicalizationAlgorithm ?? "")) return badSignature(`canonicalization ${verifier.canonicalizationAlgorithm} is not accepted`);
    valid = verifier.checkSignature(xml);
  } catch (err) {
    return badSignature(`signature check failed: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!valid) return badSignature("the signature does not verify with the provider's certificate");
  const signedXml = verifier.getSignedReferences();
  if (signedXml.length !== 1) return badSignature("expected one signed reference");
  const signedDoc = parse(signedXml[0]!);
  const signedRoot = signedDoc?.documentElement;
  if (!signedDoc || !signedRoot) return badSignature("the signed reference does not parse");
  const signedAssertions = signedRoot.namespaceURI === NS.assertion && signedRoot.localName === "Assertion"
    ? [signedRoot] : elements(signedDoc, NS.assertion, "Assertion");
  if (signedAssertions.length !== 1) return badSignature("the signed element does not hold exactly one Assertion");
  return readAssertion(signedAssertions[0]!, provider, now, skewSeconds);
}

function readAssertion(a: Element, provider: { entityId?: string }, now: number, skewSeconds: number): SamlCheck {
  const skew = skewSeconds * 1000;
  const issuer = child(a, NS.assertion, "Issuer")?.textContent?.trim() ?? "";
  if (issuer === "") return invalid("Invalid SAML response", "the assertion has no Issuer");
  if (provider.entityId !== undefined && issuer !== provider.entityId) {
    return invalid("Issuer not present in specified provider", `issuer ${issuer} is not the provider's ${provider.entityId}`);
  }
  const subject = child(a, NS.assertion, "Subject");
  const nameIdEl = child(subject, NS.assertion, "NameID");
  const nameId = nameIdEl?.textContent ?? "";
  if (nameId === "") return invalid("Invalid SAML response", "the assertion has no Subject NameID");
  // Bearer confirmation for AWS: Recipient and a NotOnOrAfter of its own.
  const confirmations = subject ? children(subject, NS.assertion, "SubjectConfirmation") : [];
  const bearer = confirmations.find((c) => c.getAttribute("Method") === "urn:oasis:names:tc:SAML:2.0:cm:bearer");
  const data = child(bearer, NS.assertion, "SubjectConfirmationData");
  if (!data) return invalid("Invalid SAML response", "no bearer SubjectConfirmationData");
  if (data.getAttribute("Recipient") !== AWS_RECIPIENT) {
    return invalid("Invalid SAML response: Recipient does not match", `recipient ${data.getAttribute("Recipient")} is not ${AWS_RECIPIENT}`);
  }
  const conditions = child(a, NS.assertion, "Conditions");
  if (!conditions) return invalid("Invalid SAML response", "the assertion has no Conditions");
  const notBefore = time(conditions.getAttribute("NotBefore"));
  const notOnOrAfter = time(conditions.getAttribute("NotOnOrAfter"));
  const confirmNotOnOrAfter = time(data.getAttribute("NotOnOrAfter"));
  for (const t of [notBefore, notOnOrAfter, confirmNotOnOrAfter]) {
    if (t !== undefined && Number.isNaN(t)) return invalid("Invalid SAML response", "a time is not in xs:dateTime UTC form");
  }
  if (notOnOrAfter === undefined) return invalid("Invalid SAML response", "Conditions has no NotOnOrAfter");
  if (notBefore !== undefined && now + skew < notBefore) return invalid("Response is not yet valid", `NotBefore ${conditions.getAttribute("NotBefore")}`);
  const until = Math.min(notOnOrAfter, confirmNotOnOrAfter ?? Infinity);
  if (now - skew >= until) return { ok: false, refusal: { code: "ExpiredTokenException", message: "Response has expired", reason: `not on or after ${new Date(until).toISOString()}` } };
  const audiences = children(conditions, NS.assertion, "AudienceRestriction").map((r) => children(r, NS.assertion, "Audience").map((x) => x.textContent?.trim()));
  if (audiences.length === 0 || !audiences.every((list) => list.includes(AWS_AUDIENCE))) {
    return invalid("Invalid SAML response: Audience restriction does not include urn:amazon:webservices", `audiences ${JSON.stringify(audiences)}`);
  }
  const attrs = new Map<string, string[]>();
  for (const st of children(a, NS.assertion, "AttributeStatement")) {
    for (const at of children(st, NS.assertion, "Attribute")) {
      const name = at.getAttribute("Name") ?? "";
      const values = children(at, NS.assertion, "AttributeValue").map((v) => (v.textContent ?? "").trim());
      attrs.set(name, [...(attrs.get(name) ?? []), ...values]);
    }
  }
  const rolePairs: SamlAssertionFacts["rolePairs"] = [];
  for (const v of attrs.get(ROLE_ATTRIBUTE) ?? []) {
    const parts = v.split(",").map((s) => s.trim());
    if (parts.length !== 2) continue;
    const role = parts.find((p) => /^arn:[\w-]+:iam::\d{12}:role\//.test(p));
    const principal = parts.find((p) => /^arn:[\w-]+:iam::\d{12}:saml-provider\//.test(p));
    if (role && principal) rolePairs.push({ roleArn: role, principalArn: principal });
  }
  const facts: SamlAssertionFacts = { issuer, nameId, rolePairs, notOnOrAfter: until };
  const format = nameIdEl?.getAttribute("Format");
  if (format) facts.nameIdFormat = format;
  const sessionName = attrs.get(SESSION_NAME_ATTRIBUTE)?.[0];
  if (sessionName !== undefined) facts.roleSessionName = sessionName;
  const duration = attrs.get(SESSION_DURATION_ATTRIBUTE)?.[0];
  if (duration !== undefined) facts.sessionDuration = duration;
  const sessionEnd = time(child(a, NS.assertion, "AuthnStatement")?.getAttribute("SessionNotOnOrAfter") ?? null);
  if (sessionEnd !== undefined && !Number.isNaN(sessionEnd)) facts.sessionNotOnOrAfter = sessionEnd;
  return { ok: true, facts };
}
