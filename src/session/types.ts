import type { Secret } from "../secret.js";

/**
 * Temporary AWS credentials (from CreateSession, and from every later step of
 * the pipeline). Defined here, where they are first made; the credentials layer
 * and everything above re-export it.
 * @public
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: Secret<string>;
  sessionToken: Secret<string>;
  /** Expiration as a Date. */
  expiration: Date;
  /** The expiration string exactly as the service sent it. */
  expirationRaw: string;
  /** 12-digit account id (from the role ARN). */
  accountId: string;
  roleArn: string;
  assumedRoleArn?: string;
}
