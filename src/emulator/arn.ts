import { createHash } from "node:crypto";

/** The AWS partition of a region name (aws, aws-cn, aws-us-gov). @internal */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/**
 * A UUID-shaped id derived from SHA-256 of the parts, so the same config always
 * yields the same ARNs. Version nibble 5 and the RFC 4122 variant are set so it
 * looks like a name-based UUID.
 * @internal
 */
export function stableUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** `arn:<partition>:rolesanywhere:<region>:<account>:<kind>/<uuid from the name>`. @internal */
export function rolesAnywhereArn(region: string, accountId: string, kind: "trust-anchor" | "profile" | "subject", name: string): string {
  return `arn:${partitionOf(region)}:rolesanywhere:${region}:${accountId}:${kind}/${stableUuid(accountId, region, kind, name)}`;
}

/** ARN patterns of the Roles Anywhere API model (protocol.md §3 item 10). @internal */
export const ARN_PATTERNS = {
  profileArn: /^arn:aws(-[^:]+)?:rolesanywhere(:.*){2}(:profile.*)$/,
  trustAnchorArn: /^arn:aws(-[^:]+)?:rolesanywhere(:.*){2}(:trust-anchor.*)$/,
  roleArn: /^arn:aws(-[^:]+)?:iam(:.*){2}(:role.*)$/,
} as const;

/** A role ARN's account id and name, or undefined when it is not `arn:<p>:iam::<12 digits>:role/<path/name>`. @internal */
export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const m = /^arn:aws(?:-[a-z-]+)?:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/.exec(arn);
  if (!m) return undefined;
  return { accountId: m[1]!, roleName: m[2]! };
}
