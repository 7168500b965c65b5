import { createHash, randomBytes } from "node:crypto";
import type { MintRequest, MintedCredentials } from "./types.js";

/** RFC 4648 base32 alphabet: the characters AWS access key ids and role ids use. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/**
 * Expired credentials are forgotten this long after expiry (until then STS
 * answers ExpiredToken, afterwards InvalidClientTokenId). @internal
 */
export const FORGET_AFTER_MS = 15 * 60 * 1000;
/** At most this many credential sets are kept; minting more forgets the oldest minted. @internal */
export const MAX_CREDENTIAL_SETS = 50_000;
const SWEEP_EVERY_MS = 60 * 1000;

/** Maps each byte to one character of `alphabet` (alphabet length must divide 256 evenly). */
function encodeWith(alphabet: string, bytes: Buffer): string {
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/**
 * The role id part of an assumed-role id: "AROA" + 17 base32 characters derived
 * from the role ARN, so the same role always gets the same id. @internal
 */
export function roleIdFor(roleArn: string): string {
  let id = roleIds.get(roleArn);
  if (id === undefined) {
    id = "AROA" + encodeWith(BASE32, createHash("sha256").update(roleArn).digest().subarray(0, 17));
    if (roleIds.size >= 1000) roleIds.clear();
    roleIds.set(roleArn, id);
  }
  return id;
}
/** roleIdFor results: every session of a role hashes the same ARN, so it is done once per role. */
const roleIds = new Map<string, string>();

/** The role name of an IAM role ARN: the last `/` segment of its resource (paths allowed). @internal */
export function roleNameOf(roleArn: string): string {
  const resource = roleArn.split(":").slice(5).join(":");
  return resource.slice(resource.lastIndexOf("/") + 1);
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`, …), `aws` when it has none. @internal */
export function partitionOf(arn: string): string {
  return arn.split(":")[1] || "aws";
}

/** The ISO 8601 form STS and Roles Anywhere print, second precision: `YYYY-MM-DDTHH:MM:SSZ`. @internal */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Mints and remembers the emulator's temporary credentials. CreateSession and
 * STS AssumeRole mint through it; the STS handler looks callers up in it. Kept
 * in memory only, and bounded: credentials expired for more than 15 minutes
 * are dropped (swept at most once a minute, when new ones are minted), and
 * beyond {@link MAX_CREDENTIAL_SETS} the oldest minted go.
 * @internal
 */
export class CredentialStore {
  readonly #random: (n: number) => Buffer;
  readonly #maxLifetimeSeconds: number;
  readonly #byAccessKey = new Map<string, MintedCredentials>();
  #nextSweep = 0;

  /**
   * @param opts.random source of random bytes (default `crypto.randomBytes`); inject for reproducible ids.
   * @param opts.maxLifetimeSeconds cap on every minted credential's lifetime, whatever duration was asked
   *   (`--credential-lifetime`, to see refreshes and expiry in tests within seconds). Default: none.
   */
  constructor(opts?: { random?: (n: number) => Buffer; maxLifetimeSeconds?: number }) {
    this.#random = opts?.random ?? randomBytes;
    this.#maxLifetimeSeconds = opts?.maxLifetimeSeconds ?? Infinity;
  }

  /**
   * Mints new credentials for `req.roleArn`: an `ASIA…` access key id (20
   * characters), a 40-character secret, a random session token, and an
   * expiration `durationSeconds` after `req.now` (whole seconds).
   */
  mint(req: MintRequest): MintedCredentials {
    this.#forgetOld(req.now);
    let accessKeyId: string;
    do accessKeyId = "ASIA" + encodeWith(BASE32, this.#random(16));
    while (this.#byAccessKey.has(accessKeyId));
    const roleName = roleNameOf(req.roleArn);
    const creds: MintedCredentials = {
      accessKeyId,
      secretAccessKey: encodeWith(SECRET_ALPHABET, this.#random(40)),
      sessionToken: this.#random(240).toString("base64"),
      expiration: new Date(Math.floor(req.now / 1000) * 1000 + Math.min(req.durationSeconds, this.#maxLifetimeSeconds) * 1000),
      accountId: req.accountId,
      roleArn: req.roleArn,
      roleSessionName: req.roleSessionName,
      assumedRoleArn: `arn:${partitionOf(req.roleArn)}:sts::${req.accountId}:assumed-role/${roleName}/${req.roleSessionName}`,
      assumedRoleId: `${roleIdFor(req.roleArn)}:${req.roleSessionName}`,
    };
    if (req.sourceIdentity !== undefined) creds.sourceIdentity = req.sourceIdentity;
    if (req.principalTags !== undefined) creds.principalTags = { ...req.principalTags };
    if (req.sessionTags !== undefined && req.sessionTags.length > 0) creds.sessionTags = req.sessionTags.map((t) => ({ ...t }));
    if (req.transitiveTagKeys !== undefined && req.transitiveTagKeys.length > 0) creds.transitiveTagKeys = [...req.transitiveTagKeys];
    if (this.#byAccessKey.size >= MAX_CREDENTIAL_SETS) {
      // Map order is mint order: the first key is the oldest minted.
      const oldest = this.#byAccessKey.keys().next().value;
      if (oldest !== undefined) this.#byAccessKey.delete(oldest);
    }
    this.#byAccessKey.set(accessKeyId, creds);
    return creds;
  }

  /** How many credential sets are remembered. */
  get size(): number {
    return this.#byAccessKey.size;
  }

  /** The credentials minted with this access key id (expired ones too, until forgotten). */
  get(accessKeyId: string): MintedCredentials | undefined {
    return this.#byAccessKey.get(accessKeyId);
  }

  #forgetOld(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const [key, creds] of this.#byAccessKey) {
      if (creds.expiration.getTime() + FORGET_AFTER_MS < now) this.#byAccessKey.delete(key);
    }
  }
}
