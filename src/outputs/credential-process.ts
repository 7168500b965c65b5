import type { Credentials } from "../credentials/types.js";

/**
 * The credential_process JSON (Version 1 plus AccountId), no trailing newline,
 * fields in the official helper's order. Expiration is passed through as the
 * service sent it.
 * @public
 */
export function formatCredentialProcess(creds: Credentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey.reveal(),
    SessionToken: creds.sessionToken.reveal(),
    Expiration: creds.expirationRaw,
    AccountId: creds.accountId,
  });
}
