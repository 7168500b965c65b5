import { ConfigError } from "../errors.js";

/**
 * Parsing and validation of the three ARNs a CreateSession call names.
 * Pure: no I/O, no environment.
 */

/** The parts of an ARN this package uses. @public */
export interface ParsedArn {
  /** The ARN exactly as given. */
  arn: string;
  partition: string;
  service: string;
  /** Empty for IAM (global) ARNs. */
  region: string;
  accountId: string;
  /** Everything after the account, e.g. `trust-anchor/<id>` or `role/path/name`. */
  resource: string;
}

/** The validated ARNs of one CreateSession configuration. @public */
export interface SessionArns {
  trustAnchor: ParsedArn;
  profile: ParsedArn;
  role: ParsedArn;
  /** The role's account: the `AccountId` reported with the credentials. */
  accountId: string;
}

interface ArnShape {
  setting: "trustAnchorArn" | "profileArn" | "roleArn";
  expected: string;
  pattern: RegExp;
}

// A partition is "aws" or "aws-<suffix>" (aws-cn, aws-us-gov, aws-iso-b, …).
const PARTITION = "aws(?:-[a-z0-9]+)*";
const REGION = "[a-z0-9]+(?:-[a-z0-9]+)*";
const ACCOUNT = "\\d{12}";
const ID = "[^\\s/:]+";

const TRUST_ANCHOR: ArnShape = {
  setting: "trustAnchorArn",
  expected: "arn:<partition>:rolesanywhere:<region>:<account>:trust-anchor/<id>",
  pattern: new RegExp(`^arn:(${PARTITION}):(rolesanywhere):(${REGION}):(${ACCOUNT}):(trust-anchor/${ID})$`),
};

const PROFILE: ArnShape = {
  setting: "profileArn",
  expected: "arn:<partition>:rolesanywhere:<region>:<account>:profile/<id>",
  pattern: new RegExp(`^arn:(${PARTITION}):(rolesanywhere):(${REGION}):(${ACCOUNT}):(profile/${ID})$`),
};

// IAM role names: [\w+=,.@-]{1,64}, optionally under a path (/a/b/).
const ROLE: ArnShape = {
  setting: "roleArn",
  expected: "arn:<partition>:iam::<account>:role/<name>",
  pattern: new RegExp(`^arn:(${PARTITION}):(iam):():(${ACCOUNT}):(role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64})$`),
};

/** Shows a user-supplied value in a message: control characters escaped, long values cut. */
export function showValue(value: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const escaped = value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

function parseWith(shape: ArnShape, value: string): ParsedArn {
  const m = shape.pattern.exec(value);
  if (!m) {
    throw new ConfigError(`expected ${shape.expected}, got '${showValue(value)}'`, {
      setting: shape.setting,
      code: "INVALID_ARN",
      hint: "copy the ARN from the IAM Roles Anywhere console or from 'aws rolesanywhere list-trust-anchors' / 'list-profiles' / 'aws iam get-role'",
    });
  }
  return { arn: value, partition: m[1]!, service: m[2]!, region: m[3]!, accountId: m[4]!, resource: m[5]! };
}

/**
 * Parses a trust anchor ARN, `arn:<partition>:rolesanywhere:<region>:<account>:trust-anchor/<id>`.
 * @throws ConfigError (code INVALID_ARN) showing the expected pattern.
 * @public
 */
export function parseTrustAnchorArn(value: string): ParsedArn {
  return parseWith(TRUST_ANCHOR, value);
}

/**
 * Parses a profile ARN, `arn:<partition>:rolesanywhere:<region>:<account>:profile/<id>`.
 * @throws ConfigError (code INVALID_ARN) showing the expected pattern.
 * @public
 */
export function parseProfileArn(value: string): ParsedArn {
  return parseWith(PROFILE, value);
}

/**
 * Parses an IAM role ARN, `arn:<partition>:iam::<account>:role/<name>` (a path is allowed).
 * @throws ConfigError (code INVALID_ARN) showing the expected pattern.
 * @public
 */
export function parseRoleArn(value: string): ParsedArn {
  return parseWith(ROLE, value);
}

function mismatch(what: string, ta: string, profile: string): ConfigError {
  return new ConfigError(`trust anchor and profile ${what}s don't match: trust anchor in ${what} ${ta}, profile in ${what} ${profile}`, {
    code: "INVALID_ARN",
    hint: "a trust anchor and a profile work together only within one partition, region and account; check the trust anchor ARN and the profile ARN",
  });
}

/**
 * Parses the three ARNs and checks they fit together: the trust anchor and the
 * profile in one partition, region and account; the role in the same partition.
 * (Whether the role may be used is the service's decision.) Checked in the
 * order trust anchor, profile, role, so the first bad flag is reported.
 * @throws ConfigError (code INVALID_ARN).
 * @public
 */
export function parseSessionArns(arns: { trustAnchorArn: string; profileArn: string; roleArn: string }): SessionArns {
  const trustAnchor = parseTrustAnchorArn(arns.trustAnchorArn);
  const profile = parseProfileArn(arns.profileArn);
  const role = parseRoleArn(arns.roleArn);
  if (trustAnchor.partition !== profile.partition) throw mismatch("partition", trustAnchor.partition, profile.partition);
  if (trustAnchor.region !== profile.region) throw mismatch("region", trustAnchor.region, profile.region);
  if (trustAnchor.accountId !== profile.accountId) throw mismatch("account", trustAnchor.accountId, profile.accountId);
  if (role.partition !== trustAnchor.partition) {
    throw new ConfigError(
      `partition ${role.partition} differs from the trust anchor's partition ${trustAnchor.partition}`,
      { setting: "roleArn", code: "INVALID_ARN", hint: "use a role of the same AWS partition as the trust anchor and profile" },
    );
  }
  return { trustAnchor, profile, role, accountId: role.accountId };
}
