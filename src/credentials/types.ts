import type { Secret } from "../secret.js";

/** Temporary AWS credentials from CreateSession. @public */
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

/** Something that hands out credentials (a refresher, a static value in tests). @public */
export interface CredentialSource {
  /** Current valid credentials, or undefined when none are valid now. Never blocks on the network. */
  current(): Credentials | undefined;
}
