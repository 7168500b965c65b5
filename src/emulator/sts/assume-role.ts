import type { AuditEntry, EmulatorRole, MintRequest, MintedCredentials, SessionTag } from "../types.js";
import { trusts } from "./trust.js";
import { isoSeconds } from "../credential-store.js";
import { fault, faults, type StsFault } from "./sts-fault.js";
import type { XmlNode } from "./xml.js";

/** STS's bounds for AssumeRole's DurationSeconds, and the cap on role chaining. @internal */
export const ASSUME_ROLE_LIMITS = { minDuration: 900, maxDuration: 43200, chainedMax: 3600, defaultDuration: 3600 } as const;
/** Pattern of RoleSessionName and SourceIdentity (Java `\w`, i.e. ASCII letters, digits, `_`). */
const NAME_PATTERN = /^[\w+=,.@-]*$/;
const NAME_PATTERN_TEXT = "[\\w+=,.@-]*";

/** What AssumeRole needs besides its parameters. @internal */
export interface AssumeRoleDeps {
  roles: (arn: string) => EmulatorRole | undefined;
  mint: (req: MintRequest) => MintedCredentials;
  now: number;
}

/** Result of AssumeRole. @internal */
export type AssumeRoleOutcome =
  | { ok: true; credentials: MintedCredentials; packedPolicySize: number; audit: Partial<AuditEntry> }
  | { ok: false; fault: StsFault; audit?: Partial<AuditEntry> };

/** Tag keys and values: letters, digits, spaces and _ . : / = + - @ (STS's pattern). */
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_PATTERN_TEXT = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";
/** ExternalId's pattern. */
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:\/-]*$/;
/** What the packed-size estimate allows: the plaintext limit of session policies. */
const PACKED_LIMIT = 2048;

/** `Name.member.N[.Sub]` parameters, in N order. */
function members(params: Map<string, string>, name: string, sub?: string): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  for (let i = 1; ; i++) {
    const k = `${name}.member.${i}${sub ? `.${sub}` : ""}`;
    if (!params.has(k) && !(sub === "Key" && params.has(`${name}.member.${i}.Value`))) break;
    out.push(params.get(k));
  }
  return out;
}

function checkName(errors: string[], field: string, value: string | undefined, required: boolean): void {
  if (value === undefined) {
    if (required) errors.push(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
    return;
  }
  if (value.length < 2) errors.push(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to 2`);
  if (value.length > 64) errors.push(`Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to 64`);
  if (!NAME_PATTERN.test(value)) {
    errors.push(`Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN_TEXT}`);
  }
}

function checkDuration(errors: string[], raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  // Not an integer: real STS's answer is not known; a ValidationError in the same style is this emulator's choice.
  if (!/^-?\d{1,10}$/.test(raw)) {
    errors.push(`Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
    return undefined;
  }
  const n = Number(raw);
  const { minDuration, maxDuration } = ASSUME_ROLE_LIMITS;
  if (n < minDuration) errors.push(`Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${minDuration}`);
  if (n > maxDuration) errors.push(`Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${maxDuration}`);
  return n;
}

/**
 * STS AssumeRole for a caller holding emulator-minted (role) credentials, so
 * always role chaining: validates RoleArn, RoleSessionName, DurationSeconds
 * and SourceIdentity like STS, refuses roles the emulator does not know with
 * AccessDenied, caps the duration at the role's MaxSessionDuration and at one
 * hour, keeps the caller's source identity, and mints new credentials.
 * @internal
 */
export function assumeRole(params: Map<string, string>, caller: MintedCredentials, deps: AssumeRoleDeps): AssumeRoleOutcome {
  const roleArn = params.get("RoleArn");
  const sessionName = params.get("RoleSessionName");
  const sourceIdentity = params.get("SourceIdentity");
  const errors: string[] = [];
  if (roleArn === undefined) errors.push("Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  else if (roleArn.length < 20 || roleArn.length > 2048) {
    errors.push(`Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must have length ${roleArn.length < 20 ? "greater than or equal to 20" : "less than or equal to 2048"}`);
  }
  checkName(errors, "roleSessionName", sessionName, true);
  const requested = checkDuration(errors, params.get("DurationSeconds"));
  checkName(errors, "sourceIdentity", sourceIdentity, false);
  const externalId = params.get("ExternalId");
  if (externalId !== undefined && (externalId.length < 2 || externalId.length > 1224 || !EXTERNAL_ID_PATTERN.test(externalId))) {
    errors.push(`Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must have length between 2 and 1224 and satisfy regular expression pattern: [\\w+=,.@:\\/-]*`);
  }
  const keys = members(params, "Tags", "Key");
  const tags: SessionTag[] = keys.map((key, i) => ({ key: key ?? "", value: params.get(`Tags.member.${i + 1}.Value`) ?? "" }));
  if (tags.length > 50) errors.push(`Value '[${tags.length} tags]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
  tags.forEach((t, i) => {
    if (t.key.length < 1 || t.key.length > 128 || !TAG_PATTERN.test(t.key)) {
      errors.push(`Value '${t.key}' at 'tags.${i + 1}.member.key' failed to satisfy constraint: Member must have length between 1 and 128 and satisfy regular expression pattern: ${TAG_PATTERN_TEXT}`);
    }
    if (t.value.length > 256 || !TAG_PATTERN.test(t.value)) {
      errors.push(`Value '${t.value}' at 'tags.${i + 1}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256 and satisfy regular expression pattern: ${TAG_PATTERN_TEXT}`);
    }
  });
  const transitive = members(params, "TransitiveTagKeys").map((k) => k ?? "");
  if (transitive.length > 50) errors.push(`Value '[${transitive.length} keys]' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to 50`);
  const policyArns = members(params, "PolicyArns", "arn").map((a) => a ?? "");
  if (policyArns.length > 10) errors.push(`Value '[${policyArns.length} policy ARNs]' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10`);
  const policy = params.get("Policy");
  if (policy !== undefined && (policy.length < 1 || policy.length > 2048)) {
    errors.push(`Value at 'policy' failed to satisfy constraint: Member must have length ${policy.length < 1 ? "greater than or equal to 1" : "less than or equal to 2048"}`);
  }
  if (errors.length > 0) {
    const head = errors.length === 1 ? "1 validation error detected: " : `${errors.length} validation errors detected: `;
    return { ok: false, fault: faults.validation(head + errors.join("; "), "parameter validation failed") };
  }

  const role = deps.roles(roleArn!);
  const audit: Partial<AuditEntry> = { principal: caller.assumedRoleArn };
  const denied = (action: string, reason: string): AssumeRoleOutcome => ({
    ok: false,
    audit,
    fault: faults.accessDenied(`User: ${caller.assumedRoleArn} is not authorized to perform: ${action} on resource: ${roleArn}`, reason),
  });
  if (!role) return denied("sts:AssumeRole", "role is not known to the emulator");

  // The new session's tags: the caller's transitive tags, then the requested ones.
  const carried = (caller.sessionTags ?? []).filter((t) => (caller.transitiveTagKeys ?? []).some((k) => k.toLowerCase() === t.key.toLowerCase()));
  const lower = (k: string) => k.toLowerCase();
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(lower(t.key))) {
      return { ok: false, audit, fault: faults.validation("Duplicate tag keys found. Please note that Tag keys are case insensitive.", `tag key ${t.key} given twice`) };
    }
    seen.add(lower(t.key));
    if (carried.some((c) => lower(c.key) === lower(t.key))) {
      return { ok: false, audit, fault: faults.validation(`Cannot override transitive tag key ${t.key}.`, "a requested tag repeats a transitive tag of the caller") };
    }
  }
  for (const k of transitive) {
    if (!tags.some((t) => lower(t.key) === lower(k))) {
      return { ok: false, audit, fault: faults.validation(`Transitive tag key ${k} must be a key of the session tags.`, "transitive key without a tag") };
    }
  }
  const sessionTags = [...carried, ...tags];
  const sessionTransitive = [...new Set([...(caller.transitiveTagKeys ?? []).filter((k) => carried.some((c) => lower(c.key) === lower(k))), ...transitive])];
  const keptIdentity = caller.sourceIdentity ?? sourceIdentity;
  if (sessionTags.length > 0) {
    audit.sessionTags = Object.fromEntries(sessionTags.map((t) => [t.key, t.value]));
    if (sessionTransitive.length > 0) audit.transitiveTagKeys = sessionTransitive;
  }
  if (policy !== undefined) audit.policySize = policy.length;
  if (policyArns.length > 0) audit.policyArnCount = policyArns.length;

  const trust = role.trust;
  if (trust) {
    if (!trusts(trust, caller)) return denied("sts:AssumeRole", "the role's trust names no principal matching the caller");
    if (trust.externalId !== undefined) {
      audit.externalIdMatch = externalId === trust.externalId;
      if (!audit.externalIdMatch) return denied("sts:AssumeRole", externalId === undefined ? "the trust requires an external id; none given" : "the external id does not match the trust");
    }
    if (trust.requireSourceIdentity && keptIdentity === undefined) return denied("sts:AssumeRole", "the trust requires a source identity; none given or carried");
    for (const k of trust.requiredTagKeys ?? []) {
      if (!sessionTags.some((t) => lower(t.key) === lower(k))) return denied("sts:AssumeRole", `the trust requires session tag ${k}`);
    }
    if (sessionTags.length > 0 && trust.allowTagSession === false) return denied("sts:TagSession", "the trust does not allow sts:TagSession");
    if (keptIdentity !== undefined && trust.allowSetSourceIdentity === false) return denied("sts:SetSourceIdentity", "the trust does not allow sts:SetSourceIdentity");
  }

  const duration = requested ?? Math.min(ASSUME_ROLE_LIMITS.defaultDuration, role.maxSessionDuration);
  if (duration > role.maxSessionDuration) {
    return { ok: false, audit, fault: faults.validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      `requested ${duration}s, role allows ${role.maxSessionDuration}s`) };
  }
  if (duration > ASSUME_ROLE_LIMITS.chainedMax) {
    return { ok: false, audit, fault: faults.validation(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      `requested ${duration}s with role-chained credentials`) };
  }
  // A source identity, once set, stays for the chain (STS documents this); the wording of
  // the refusal when a different one is asked for is this emulator's choice.
  if (sourceIdentity !== undefined && caller.sourceIdentity !== undefined && sourceIdentity !== caller.sourceIdentity) {
    return { ok: false, audit, fault: faults.validation(
      "SourceIdentity cannot be changed: the caller's session already has a source identity.", "source identity change refused") };
  }
  if (policy !== undefined) {
    try {
      const doc: unknown = JSON.parse(policy);
      if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("not an object");
    } catch {
      return { ok: false, audit, fault: fault(400, "MalformedPolicyDocument", "The policy is not in the valid JSON format.", "Policy is not a JSON object") };
    }
  }
  // An estimate of STS's packed size (its compression is not public): policy text plus tags, against 2048.
  const packedBytes = (policy?.length ?? 0) + policyArns.reduce((n, a) => n + a.length, 0) + sessionTags.reduce((n, t) => n + t.key.length + t.value.length, 0);
  const packedPolicySize = Math.ceil((100 * packedBytes) / PACKED_LIMIT);
  audit.packedPolicySize = packedPolicySize;
  if (packedPolicySize > 100) {
    return { ok: false, audit, fault: fault(400, "PackedPolicyTooLarge",
      `Packed policy consumes ${packedPolicySize}% of allotted space, please use smaller policy for this request.`, "packed size estimate over 100%") };
  }
  const accountId = roleArn!.split(":")[4] ?? "";
  const mint: MintRequest = { accountId, roleArn: roleArn!, roleSessionName: sessionName!, durationSeconds: duration, now: deps.now };
  if (keptIdentity !== undefined) mint.sourceIdentity = keptIdentity;
  if (sessionTags.length > 0) mint.sessionTags = sessionTags;
  if (sessionTransitive.length > 0) mint.transitiveTagKeys = sessionTransitive;
  return { ok: true, credentials: deps.mint(mint), packedPolicySize, audit };
}

/** The AssumeRoleResult element of newly minted credentials. @internal */
export function assumeRoleResult(creds: MintedCredentials, packedPolicySize = 0): XmlNode {
  return {
    SourceIdentity: creds.sourceIdentity,
    AssumedRoleUser: { Arn: creds.assumedRoleArn, AssumedRoleId: creds.assumedRoleId },
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
    },
    PackedPolicySize: packedPolicySize,
  };
}
