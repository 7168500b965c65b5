import { Secret } from "../secret.js";
import type { Credentials } from "./types.js";

/** Format version of a cache file; a file with another version is ignored (2: the entry names its key). */
const VERSION = 2;

/**
 * Credentials as stored in a cache file (JSON). The secret key and session token
 * are revealed here and only here: the file is written with mode 0600.
 * @internal
 */
export function serializeCacheEntry(c: Credentials, key: string): string {
  return JSON.stringify({
    version: VERSION,
    key,
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey.reveal(),
    sessionToken: c.sessionToken.reveal(),
    expiration: c.expirationRaw,
    accountId: c.accountId,
    roleArn: c.roleArn,
    ...(c.assumedRoleArn !== undefined ? { assumedRoleArn: c.assumedRoleArn } : {}),
  });
}

const str = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/**
 * Reads a cache file's text back into Credentials; undefined when it is not a
 * complete, well-formed entry of this version stored under `key` (an entry
 * renamed or copied to another key's name is refused). Never throws.
 * @internal
 */
export function parseCacheEntry(text: string, key: string): Credentials | undefined {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    o = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (o.version !== VERSION || o.key !== key) return undefined;
  const { accessKeyId, secretAccessKey, sessionToken, expiration, accountId, roleArn, assumedRoleArn } = o;
  if (!str(accessKeyId) || !str(secretAccessKey) || !str(sessionToken) || !str(expiration)) return undefined;
  if (!str(accountId) || !str(roleArn)) return undefined;
  if (assumedRoleArn !== undefined && !str(assumedRoleArn)) return undefined;
  const when = new Date(expiration);
  if (!Number.isFinite(when.getTime())) return undefined;
  return {
    accessKeyId,
    secretAccessKey: new Secret(secretAccessKey),
    sessionToken: new Secret(sessionToken),
    expiration: when,
    expirationRaw: expiration,
    accountId,
    roleArn,
    ...(assumedRoleArn !== undefined ? { assumedRoleArn } : {}),
  };
}
