import type { MintedCredentials, RoleTrust } from "../types.js";

/**
 * A role's trust, evaluated for one caller. Pure. Principals as in a trust
 * policy's `Principal` (account, account root, role, assumed-role session, `*`),
 * with the wildcards of IAM's ArnLike (`*`, `?`) matched against the caller's
 * role ARN (aws:PrincipalArn) and its assumed-role session ARN.
 */

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Whether one principal entry names the caller. @internal */
export function principalMatches(entry: string, caller: Pick<MintedCredentials, "accountId" | "roleArn" | "assumedRoleArn">): boolean {
  if (entry === "*") return true;
  if (/^\d{12}$/.test(entry)) return entry === caller.accountId;
  const root = /^arn:([\w-]+):iam::(\d{12}):root$/.exec(entry);
  if (root) return root[2] === caller.accountId && caller.roleArn.startsWith(`arn:${root[1]}:`);
  const re = glob(entry);
  return re.test(caller.roleArn) || re.test(caller.assumedRoleArn);
}

/** Whether the trust names the caller among its principals. @internal */
export function trusts(trust: RoleTrust, caller: Pick<MintedCredentials, "accountId" | "roleArn" | "assumedRoleArn">): boolean {
  return trust.principals.some((p) => principalMatches(p, caller));
}
