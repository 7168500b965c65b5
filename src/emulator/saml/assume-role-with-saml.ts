import { createHash } from "node:crypto";
import type { AuditEntry, EmulatorRole, MintRequest, MintedCredentials } from "../types.js";
import { isoSeconds } from "../credential-store.js";
import { principalMatches } from "../sts/trust.js";
import { fault, faults, type StsFault } from "../sts/sts-fault.js";
import type { XmlNode } from "../sts/xml.js";
import type { ResolvedSaml } from "./config.js";
import { AWS_RECIPIENT, checkSamlResponse, decodeSamlResponse, type SamlAssertionFacts } from "./verify.js";

/** What AssumeRoleWithSAML needs. @internal */
export interface AssumeRoleWithSamlDeps {
  saml: ResolvedSaml | undefined;
  roles: (arn: string) => EmulatorRole | undefined;
  mint: (req: MintRequest) => MintedCredentials;
  now: number;
  skewSeconds?: number;
  accountId: string;
}

/** Outcome of AssumeRoleWithSAML. @internal */
export type AssumeRoleWithSamlOutcome =
  | { ok: true; result: XmlNode; credentials: MintedCredentials; audit: Partial<AuditEntry> }
  | { ok: false; fault: StsFault; audit: Partial<AuditEntry> };

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithSAML";

/**
 * STS AssumeRoleWithSAML (unsigned): parameter validation as STS, then the
 * provider (PrincipalArn) must exist, the SAMLResponse must pass
 * checkSamlResponse with the provider's certificate, the RoleArn/PrincipalArn
 * pair must be one of the assertion's Role values, and the role's trust must
 * name the provider. Duration: DurationSeconds, else the SessionDuration
 * attribute, else 3600; at most the role's MaxSessionDuration; cut at the
 * AuthnStatement's SessionNotOnOrAfter.
 * @internal
 */
export function assumeRoleWithSaml(params: Map<string, string>, deps: AssumeRoleWithSamlDeps): AssumeRoleWithSamlOutcome {
  const roleArn = params.get("RoleArn");
  const principalArn = params.get("PrincipalArn");
  const assertion = params.get("SAMLAssertion");
  const rawDuration = params.get("DurationSeconds");
  const audit: Partial<AuditEntry> = {};
  if (roleArn !== undefined) audit.roleArn = roleArn;
  if (principalArn !== undefined) audit.principal = principalArn;
  const errors: string[] = [];
  const arnCheck = (field: string, v: string | undefined) => {
    if (v === undefined) errors.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
    else if (v.length < 20 || v.length > 2048) errors.push(`Value '${v}' at '${field}' failed to satisfy constraint: Member must have length ${v.length < 20 ? "greater than or equal to 20" : "less than or equal to 2048"}`);
  };
  arnCheck("roleArn", roleArn);
  arnCheck("principalArn", principalArn);
  if (assertion === undefined) errors.push("Value null at 'sAMLAssertion' failed to satisfy constraint: Member must not be null");
  else if (assertion.length < 4 || assertion.length > 100000) errors.push(`Value at 'sAMLAssertion' failed to satisfy constraint: Member must have length ${assertion.length < 4 ? "greater than or equal to 4" : "less than or equal to 100000"}`);
  let requested: number | undefined;
  if (rawDuration !== undefined) {
    if (!/^-?\d{1,10}$/.test(rawDuration)) errors.push(`Value '${rawDuration}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
    else {
      requested = Number(rawDuration);
      if (requested < 900) errors.push(`Value '${rawDuration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
      if (requested > 43200) errors.push(`Value '${rawDuration}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`);
    }
  }
  if (errors.length > 0) {
    const head = errors.length === 1 ? "1 validation error detected: " : `${errors.length} validation errors detected: `;
    return { ok: false, audit, fault: faults.validation(head + errors.join("; "), "parameter validation failed") };
  }
  if (!/^arn:[\w-]+:iam::\d{12}:role\/./.test(roleArn!) || !/^arn:[\w-]+:iam::\d{12}:saml-provider\/./.test(principalArn!)) {
    return { ok: false, audit, fault: faults.validation("Request ARN is invalid", "RoleArn or PrincipalArn is not a role / saml-provider ARN") };
  }
  const provider = deps.saml?.providers.find((p) => p.arn === principalArn);
  const invalidToken = (message: string, reason: string): AssumeRoleWithSamlOutcome =>
    ({ ok: false, audit, fault: fault(400, "InvalidIdentityToken", message, reason) });
  if (!provider) return invalidToken("Specified provider doesn't exist", `no SAML provider ${principalArn}`);
  const xml = decodeSamlResponse(assertion!);
  if (xml === undefined) return invalidToken("Invalid base64 SAMLResponse (check that you do not URL-encode the SAML response)", "SAMLAssertion is not base64");
  const check = checkSamlResponse(xml, provider, deps.now, deps.skewSeconds ?? 300);
  if (!check.ok) return { ok: false, audit, fault: fault(400, check.refusal.code, check.refusal.message, check.refusal.reason) };
  const facts = check.facts;
  if (facts.roleSessionName === undefined) return invalidToken("RoleSessionName is required in AuthnResponse", "no RoleSessionName attribute");
  if (!SESSION_NAME.test(facts.roleSessionName)) return invalidToken("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}", "bad RoleSessionName attribute");
  const denied = (reason: string): AssumeRoleWithSamlOutcome => ({ ok: false, audit, fault: faults.accessDenied(NOT_AUTHORIZED, reason) });
  if (!facts.rolePairs.some((p) => p.roleArn === roleArn && p.principalArn === principalArn)) {
    return denied(`the assertion's Role attribute has no pair ${roleArn},${principalArn}`);
  }
  const role = deps.roles(roleArn!);
  if (!role) return denied("role is not known to the emulator");
  const providerCaller = { accountId: deps.accountId, roleArn: principalArn!, assumedRoleArn: principalArn! };
  if (!role.trust || !role.trust.principals.some((p) => p === principalArn || (p.startsWith("arn:") && principalMatches(p, providerCaller)))) {
    return denied("the role's trust does not name the SAML provider");
  }
  let duration = requested;
  if (duration === undefined && facts.sessionDuration !== undefined) {
    if (!/^\d{1,6}$/.test(facts.sessionDuration) || Number(facts.sessionDuration) < 900 || Number(facts.sessionDuration) > 43200) {
      return invalidToken("SessionDuration in AuthnResponse must be an integer between 900 and 43200", `SessionDuration ${facts.sessionDuration}`);
    }
    duration = Number(facts.sessionDuration);
  }
  duration ??= Math.min(3600, role.maxSessionDuration);
  if (duration > role.maxSessionDuration) {
    return { ok: false, audit, fault: faults.validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", `requested ${duration}s, role allows ${role.maxSessionDuration}s`) };
  }
  if (facts.sessionNotOnOrAfter !== undefined) {
    duration = Math.max(1, Math.min(duration, Math.floor((facts.sessionNotOnOrAfter - deps.now) / 1000)));
  }
  const mint: MintRequest = {
    accountId: roleArn!.split(":")[4] ?? "",
    roleArn: roleArn!,
    roleSessionName: facts.roleSessionName,
    durationSeconds: duration,
    now: deps.now,
  };
  const credentials = deps.mint(mint);
  audit.accessKeyId = credentials.accessKeyId;
  return { ok: true, credentials, audit, result: assumeRoleWithSamlResult(credentials, facts, principalArn!, deps.accountId) };
}

function subjectType(format: string | undefined): string {
  if (format === undefined) return "unspecified";
  const m = /^urn:oasis:names:tc:SAML:(?:2\.0|1\.1):nameid-format:(transient|persistent|unspecified|emailAddress)$/.exec(format);
  return m ? m[1]! : format;
}

/** The AssumeRoleWithSAMLResult element. NameQualifier = base64(SHA-1(Issuer + account id + "/" + provider name)), as AWS documents. @internal */
export function assumeRoleWithSamlResult(creds: MintedCredentials, facts: SamlAssertionFacts, principalArn: string, accountId: string): XmlNode {
  const providerName = principalArn.slice(principalArn.indexOf("/") + 1);
  return {
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
    },
    AssumedRoleUser: { Arn: creds.assumedRoleArn, AssumedRoleId: creds.assumedRoleId },
    PackedPolicySize: 0,
    Subject: facts.nameId,
    SubjectType: subjectType(facts.nameIdFormat),
    Issuer: facts.issuer,
    Audience: AWS_RECIPIENT,
    NameQualifier: createHash("sha1").update(facts.issuer + accountId + "/" + providerName, "utf8").digest("base64"),
  };
}
