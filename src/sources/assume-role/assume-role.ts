import { systemClock } from "../../clock.js";
import type { Credentials } from "../../session/types.js";
import { Secret } from "../../secret.js";
import { callSts, type StsCallConfig, type StsCallOptions } from "../sts/client.js";
import { malformedSts } from "../sts/response.js";
import { textAt } from "../sts/xml.js";
import { assumeRoleParams, sessionNameFor, type ResolvedHop } from "./options.js";

/** What one hop, or a chain, needs besides the hops. @public */
export interface HopContext extends StsCallOptions {
  sts: StsCallConfig;
}

/** How a hop is named in messages: `AssumeRole <arn>`, with `(hop i of n)` in a longer chain. */
function hopName(hop: ResolvedHop, index: number, count: number): string {
  return `AssumeRole ${hop.roleArn}${count > 1 ? ` (hop ${index + 1} of ${count})` : ""}`;
}

/**
 * One AssumeRole call signed with `caller`'s credentials.
 * @returns The new credentials (accountId and roleArn of the hop's role, assumedRoleArn from STS).
 * @throws StsError with a hint.
 * @public
 */
export async function assumeRole(
  hop: ResolvedHop,
  caller: Pick<Credentials, "accessKeyId" | "secretAccessKey" | "sessionToken">,
  ctx: HopContext,
  position: { index: number; count: number } = { index: 0, count: 1 },
): Promise<Credentials> {
  const clock = ctx.clock ?? systemClock;
  const what = hopName(hop, position.index, position.count);
  const params = assumeRoleParams(hop, sessionNameFor(hop, clock.now()));
  const result = await callSts(ctx.sts, "AssumeRole", params, caller, what, ctx);
  const accessKeyId = textAt(result, "Credentials", "AccessKeyId");
  const secretAccessKey = textAt(result, "Credentials", "SecretAccessKey");
  const sessionToken = textAt(result, "Credentials", "SessionToken");
  const expirationRaw = textAt(result, "Credentials", "Expiration");
  const missing = [
    ["AccessKeyId", accessKeyId],
    ["SecretAccessKey", secretAccessKey],
    ["SessionToken", sessionToken],
    ["Expiration", expirationRaw],
  ].filter(([, v]) => v === undefined);
  if (missing.length) throw malformedSts(what, 200, `Credentials lack ${missing.map(([k]) => k).join(", ")}`);
  const ms = Date.parse(expirationRaw!);
  if (Number.isNaN(ms)) throw malformedSts(what, 200, "Credentials.Expiration is not a date");
  const assumedRoleArn = textAt(result, "AssumedRoleUser", "Arn");
  return {
    accessKeyId: accessKeyId!,
    secretAccessKey: new Secret(secretAccessKey!),
    sessionToken: new Secret(sessionToken!),
    expiration: new Date(ms),
    expirationRaw: expirationRaw!,
    accountId: hop.accountId,
    roleArn: hop.roleArn,
    ...(assumedRoleArn !== undefined ? { assumedRoleArn } : {}),
  };
}

/**
 * Applies the hops in order to the base credentials: each AssumeRole is signed
 * with the previous hop's credentials. The result is the last hop's
 * credentials with the **earliest** expiration of the whole chain (base
 * included), so the chain is refreshed as a unit before any part of it lapses.
 * @throws StsError of the first hop that fails.
 * @public
 */
export async function applyHops(base: Credentials, hops: readonly ResolvedHop[], ctx: HopContext): Promise<Credentials> {
  let current = base;
  let earliest: Pick<Credentials, "expiration" | "expirationRaw"> = base;
  for (let i = 0; i < hops.length; i++) {
    current = await assumeRole(hops[i]!, current, ctx, { index: i, count: hops.length });
    if (current.expiration.getTime() < earliest.expiration.getTime()) earliest = current;
  }
  if (earliest === current) return current;
  return { ...current, expiration: earliest.expiration, expirationRaw: earliest.expirationRaw };
}
