import type { MintedCredentials } from "../types.js";
import type { XmlNode } from "./xml.js";

/**
 * The GetCallerIdentityResult of a caller holding emulator-minted credentials:
 * the assumed-role ARN, `UserId` = `<role id>:<session name>`, the account.
 * @internal
 */
export function getCallerIdentityResult(caller: MintedCredentials): XmlNode {
  return { Arn: caller.assumedRoleArn, UserId: caller.assumedRoleId, Account: caller.accountId };
}
