import { Secret } from "../../secret.js";
import type { Credentials } from "../../session/types.js";
import { callSts, type StsCallConfig, type StsCallOptions } from "../sts/client.js";
import { malformedSts } from "../sts/response.js";
import { textAt } from "../sts/xml.js";
import type { SamlRolePair } from "./assertion.js";

/**
 * STS AssumeRoleWithSAML: an unsigned query-protocol call (the SAML response
 * is the authentication) over the same transport, retries and error handling
 * as the AssumeRole hops.
 * @throws StsError with STS's code and message.
 * @public
 */
export async function assumeRoleWithSaml(
  sts: StsCallConfig,
  pair: SamlRolePair,
  samlResponseBase64: string,
  durationSeconds: number | undefined,
  opts: StsCallOptions = {},
): Promise<Credentials> {
  const what = `AssumeRoleWithSAML ${pair.roleArn}`;
  const params: Array<readonly [string, string]> = [["RoleArn", pair.roleArn], ["PrincipalArn", pair.principalArn], ["SAMLAssertion", samlResponseBase64]];
  if (durationSeconds !== undefined) params.push(["DurationSeconds", String(durationSeconds)]);
  const result = await callSts(sts, "AssumeRoleWithSAML", params, null, what, opts);
  const accessKeyId = textAt(result, "Credentials", "AccessKeyId");
  const secretAccessKey = textAt(result, "Credentials", "SecretAccessKey");
  const sessionToken = textAt(result, "Credentials", "SessionToken");
  const expirationRaw = textAt(result, "Credentials", "Expiration");
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expirationRaw) throw malformedSts(what, 200, "Credentials are incomplete");
  const ms = Date.parse(expirationRaw);
  if (Number.isNaN(ms)) throw malformedSts(what, 200, "Credentials.Expiration is not a date");
  const assumedRoleArn = textAt(result, "AssumedRoleUser", "Arn");
  return {
    accessKeyId,
    secretAccessKey: new Secret(secretAccessKey),
    sessionToken: new Secret(sessionToken),
    expiration: new Date(ms),
    expirationRaw,
    accountId: pair.roleArn.split(":")[4] ?? "",
    roleArn: pair.roleArn,
    ...(assumedRoleArn !== undefined ? { assumedRoleArn } : {}),
  };
}
