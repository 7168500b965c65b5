import { randomBytes } from "node:crypto";
import { SignedXml } from "xml-crypto";
import { AWS_AUDIENCE, AWS_RECIPIENT, ROLE_ATTRIBUTE, SESSION_DURATION_ATTRIBUTE, SESSION_NAME_ATTRIBUTE } from "./verify.js";

/** What the emulated IdP puts in a SAML Response. @internal */
export interface SamlResponseInput {
  issuer: string;
  nameId: string;
  roleSessionName: string;
  /** "roleArn,principalArn" values of the Role attribute. */
  rolePairs: Array<{ roleArn: string; principalArn: string }>;
  sessionDuration?: number;
  /** ms since epoch. */
  now: number;
  /** Validity of the assertion, seconds (default 300). */
  validSeconds?: number;
  audience?: string;
  recipient?: string;
}

function esc(v: string): string {
  return v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1Z");
}

/** An unsigned SAML 2.0 Response with one Assertion (what ADFS sends to AWS). @internal */
export function samlResponseXml(i: SamlResponseInput, ids: { response: string; assertion: string } = { response: "_" + randomBytes(16).toString("hex"), assertion: "_" + randomBytes(16).toString("hex") }): string {
  const until = i.now + (i.validSeconds ?? 300) * 1000;
  const attr = (name: string, values: string[]) =>
    `<Attribute Name="${esc(name)}">${values.map((v) => `<AttributeValue>${esc(v)}</AttributeValue>`).join("")}</Attribute>`;
  const attributes = [
    attr(SESSION_NAME_ATTRIBUTE, [i.roleSessionName]),
    attr(ROLE_ATTRIBUTE, i.rolePairs.map((p) => `${p.roleArn},${p.principalArn}`)),
    ...(i.sessionDuration !== undefined ? [attr(SESSION_DURATION_ATTRIBUTE, [String(i.sessionDuration)])] : []),
  ].join("");
  return (
    `<samlp:Response ID="${ids.response}" Version="2.0" IssueInstant="${iso(i.now)}" Destination="${esc(i.recipient ?? AWS_RECIPIENT)}" ` +
    `Consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified" xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">` +
    `<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">${esc(i.issuer)}</Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `<Assertion ID="${ids.assertion}" IssueInstant="${iso(i.now)}" Version="2.0" xmlns="urn:oasis:names:tc:SAML:2.0:assertion">` +
    `<Issuer>${esc(i.issuer)}</Issuer>` +
    `<Subject><NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${esc(i.nameId)}</NameID>` +
    `<SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<SubjectConfirmationData NotOnOrAfter="${iso(until)}" Recipient="${esc(i.recipient ?? AWS_RECIPIENT)}"/></SubjectConfirmation></Subject>` +
    `<Conditions NotBefore="${iso(i.now)}" NotOnOrAfter="${iso(until)}"><AudienceRestriction><Audience>${esc(i.audience ?? AWS_AUDIENCE)}</Audience></AudienceRestriction></Conditions>` +
    `<AttributeStatement>${attributes}</AttributeStatement>` +
    `<AuthnStatement AuthnInstant="${iso(i.now)}" SessionIndex="${ids.assertion}"><AuthnContext>` +
    `<AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</AuthnContextClassRef></AuthnContext></AuthnStatement>` +
    `</Assertion></samlp:Response>`
  );
}

/**
 * Signs the Assertion of a Response (enveloped signature after its Issuer,
 * RSA-SHA256, exclusive C14N, SHA-256 digest; the certificate in KeyInfo), as ADFS does.
 * @internal
 */
export function signSamlAssertion(xml: string, privateKeyPem: string, certificatePem: string): string {
  const sig = new SignedXml({
    privateKey: privateKeyPem,
    publicCert: certificatePem,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  sig.addReference({
    xpath: "/*[local-name()='Response']/*[local-name()='Assertion']",
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
  });
  sig.computeSignature(xml, {
    prefix: "ds",
    location: { reference: "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Issuer']", action: "after" },
  });
  return sig.getSignedXml();
}
