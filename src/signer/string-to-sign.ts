import { SCOPE_TERMINATOR, SIGNING_SERVICE } from "./constants.js";
import type { SigningAlgorithm } from "./types.js";
import { ConfigError } from "../errors.js";

/**
 * The credential scope `<YYYYMMDD>/<region>/rolesanywhere/aws4_request`.
 * `date` is the `YYYYMMDD` date, or a whole X-Amz-Date value whose first eight
 * characters are used.
 * @throws ConfigError when the date does not start with eight digits or the region is empty or holds a `/`.
 * @public
 */
export function credentialScope(date: string, region: string): string {
  if (!/^\d{8}(T\d{6}Z)?$/.test(date)) {
    throw new ConfigError(`credential scope: bad date '${date}': expected YYYYMMDD or YYYYMMDDTHHMMSSZ`);
  }
  if (!region || /[\s/]/.test(region)) {
    throw new ConfigError(`credential scope: bad region '${region}': expected a region name such as us-east-1`, {
      hint: "set --region, AWS_REGION, or use a trust anchor ARN that names a region",
    });
  }
  return `${date.slice(0, 8)}/${region}/${SIGNING_SERVICE}/${SCOPE_TERMINATOR}`;
}

/**
 * The string to sign: algorithm, X-Amz-Date, credential scope and the hex
 * SHA-256 of the canonical request, one per line (no trailing newline).
 * @public
 */
export function stringToSign(
  algorithm: SigningAlgorithm,
  amzDate: string,
  scope: string,
  canonicalRequestHashHex: string,
): string {
  return [algorithm, amzDate, scope, canonicalRequestHashHex].join("\n");
}
