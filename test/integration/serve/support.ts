/**
 * Test support for the serve handlers: a static CredentialSource (the one thing
 * faked: what the refresher would provide), credentials built here, and a raw
 * node:http client that sends exactly the headers given.
 */
import type { CredentialSource, Credentials } from "../../../src/credentials/types.js";
import { Secret } from "../../../src/secret.js";

/** Account and role the test credentials belong to. */
export const ACCOUNT_ID = "123456789012";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/serve-test`;
export const ROLE_NAME = "serve-test";

let serial = 0;

/** Credentials valid until `expiration` (whole seconds, as the service sends them). */
export function makeCredentials(expiration: Date | number): Credentials {
  serial += 1;
  const exp = new Date(Math.floor(new Date(expiration).getTime() / 1000) * 1000);
  const tag = String(serial).padStart(4, "0");
  return {
    accessKeyId: `ASIATESTSERVE${tag}XYZ`,
    secretAccessKey: new Secret(`secret/${tag}/abcdefghijklmnopqrstuvwxyz012345`),
    sessionToken: new Secret(`session-token-${tag}-` + "Q".repeat(120)),
    expiration: exp,
    expirationRaw: exp.toISOString().slice(0, 19) + "Z",
    accountId: ACCOUNT_ID,
    roleArn: ROLE_ARN,
  };
}

/** A CredentialSource returning whatever was last `set` (undefined = none valid). */
export function staticSource(initial: Credentials | undefined): CredentialSource & { set(c: Credentials | undefined): void } {
  let creds = initial;
  return {
    current: () => creds,
    set(c) {
      creds = c;
    },
  };
}

export { raw, type RawResponse } from "../../helpers/raw-http.js";
