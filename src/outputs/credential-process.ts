import type { Credentials } from "../credentials/types.js";

/**
 * The credential_process JSON: `{"Version":1,"AccessKeyId","SecretAccessKey",
 * "SessionToken","Expiration","AccountId"}` in that order, with no trailing
 * newline. Expiration is passed through as the service sent it. This is the one
 * place the secret key and session token are revealed for credential-process.
 * @public
 */
export function formatCredentialProcess(creds: Credentials, opts: { accountId?: boolean } = {}): string {
  const out: Record<string, string | number> = {
    Version: 1,
    AccessKeyId: creds.accessKeyId,
    SecretAccessKey: creds.secretAccessKey.reveal(),
    SessionToken: creds.sessionToken.reveal(),
    Expiration: creds.expirationRaw,
  };
  if (opts.accountId !== false) out.AccountId = creds.accountId;
  return JSON.stringify(out);
}
