import type { EmulatorRole, MintRequest, MintedCredentials } from "../types.js";
import { isoSeconds } from "../credential-store.js";
import { faults, type StsFault } from "./sts-fault.js";
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
  | { ok: true; credentials: MintedCredentials }
  | { ok: false; fault: StsFault };

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
  if (errors.length > 0) {
    const head = errors.length === 1 ? "1 validation error detected: " : `${errors.length} validation errors detected: `;
    return { ok: false, fault: faults.validation(head + errors.join("; "), "parameter validation failed") };
  }

  const role = deps.roles(roleArn!);
  if (!role) {
    return {
      ok: false,
      fault: faults.accessDenied(
        `User: ${caller.assumedRoleArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        "role is not known to the emulator"),
    };
  }
  const duration = requested ?? Math.min(ASSUME_ROLE_LIMITS.defaultDuration, role.maxSessionDuration);
  if (duration > role.maxSessionDuration) {
    return { ok: false, fault: faults.validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      `requested ${duration}s, role allows ${role.maxSessionDuration}s`) };
  }
  if (duration > ASSUME_ROLE_LIMITS.chainedMax) {
    return { ok: false, fault: faults.validation(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
      `requested ${duration}s with role-chained credentials`) };
  }
  // A source identity, once set, stays for the chain (STS documents this); the wording of
  // the refusal when a different one is asked for is this emulator's choice.
  if (sourceIdentity !== undefined && caller.sourceIdentity !== undefined && sourceIdentity !== caller.sourceIdentity) {
    return { ok: false, fault: faults.validation(
      "SourceIdentity cannot be changed: the caller's session already has a source identity.", "source identity change refused") };
  }
  const accountId = roleArn!.split(":")[4] ?? "";
  const mint: MintRequest = { accountId, roleArn: roleArn!, roleSessionName: sessionName!, durationSeconds: duration, now: deps.now };
  const keptIdentity = caller.sourceIdentity ?? sourceIdentity;
  if (keptIdentity !== undefined) mint.sourceIdentity = keptIdentity;
  return { ok: true, credentials: deps.mint(mint) };
}

/** The AssumeRoleResult element of newly minted credentials. @internal */
export function assumeRoleResult(creds: MintedCredentials): XmlNode {
  return {
    SourceIdentity: creds.sourceIdentity,
    AssumedRoleUser: { Arn: creds.assumedRoleArn, AssumedRoleId: creds.assumedRoleId },
    Credentials: {
      AccessKeyId: creds.accessKeyId,
      SecretAccessKey: creds.secretAccessKey,
      SessionToken: creds.sessionToken,
      Expiration: isoSeconds(creds.expiration),
    },
    PackedPolicySize: 0,
  };
}
