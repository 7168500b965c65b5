import type { Credentials } from "../../credentials/types.js";

/**
 * Formats a time as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, truncated), the
 * form IMDS and the container endpoint use and the SDKs parse.
 * @public
 */
export function formatAwsTimestamp(date: Date | number): string {
  const iso = new Date(typeof date === "number" ? date : date.getTime()).toISOString();
  return iso.slice(0, 19) + "Z";
}

/** The IMDS credentials document, in IMDS's field order. @public */
export interface ImdsCredentialsBody {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Code: "Success";
  Type: "AWS-HMAC";
  Expiration: string;
  LastUpdated: string;
}

/**
 * Builds the IMDS `security-credentials/<role>` document. This reveals the
 * secrets: the result goes to the HTTP response only, never to a log.
 * @public
 */
export function imdsCredentialsBody(creds: Credentials, lastUpdated: Date | number): ImdsCredentialsBody {
  return {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey.reveal(),
    Token: creds.sessionToken.reveal(),
    Code: "Success",
    Type: "AWS-HMAC",
    Expiration: formatAwsTimestamp(creds.expiration),
    LastUpdated: formatAwsTimestamp(lastUpdated),
  };
}

/** The container endpoint's credentials document. @public */
export interface ContainerCredentialsBody {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  AccountId: string;
  RoleArn: string;
}

/**
 * Builds the container endpoint's `GET /v1/credentials` document. This reveals
 * the secrets: the result goes to the HTTP response only, never to a log.
 * @public
 */
export function containerCredentialsBody(
  creds: Credentials,
  ids: { accountId: string; roleArn: string },
): ContainerCredentialsBody {
  return {
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey.reveal(),
    Token: creds.sessionToken.reveal(),
    Expiration: formatAwsTimestamp(creds.expiration),
    AccountId: ids.accountId,
    RoleArn: ids.roleArn,
  };
}
