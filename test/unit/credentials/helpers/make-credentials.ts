import { Secret } from "../../../../src/secret.js";
import type { Credentials } from "../../../../src/credentials/types.js";

/** Test credentials with recognisable fake secrets (`SECRET-<id>`, `TOKEN-<id>`). */
export function makeCredentials(id: string | number, expiresAt: number): Credentials {
  const raw = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    accessKeyId: `ASIATEST${String(id).padStart(8, "0")}`,
    secretAccessKey: new Secret(`SECRET-${id}`),
    sessionToken: new Secret(`TOKEN-${id}`),
    expiration: new Date(raw),
    expirationRaw: raw,
    accountId: "123456789012",
    roleArn: "arn:aws:iam::123456789012:role/demo",
  };
}
