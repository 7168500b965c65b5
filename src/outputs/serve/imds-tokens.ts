import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../clock.js";
import { systemClock } from "../../clock.js";

/** Shortest IMDSv2 token lifetime accepted, in seconds. @public */
export const MIN_TOKEN_TTL_SECONDS = 1;
/** Longest IMDSv2 token lifetime accepted (6 hours), also the default. @public */
export const MAX_TOKEN_TTL_SECONDS = 21_600;
/** How many IMDSv2 tokens may be live at once before the earliest-expiring is evicted. @public */
export const DEFAULT_MAX_TOKENS = 256;

/** Length of an issued token: 100 characters of base64. */
const TOKEN_LENGTH = 100;
/** Random bytes drawn per token (base64 of 128 bytes is 172 characters; the first 100 are kept). */
const TOKEN_RANDOM_BYTES = 128;

/** The outcome of reading the `x-aws-ec2-metadata-token-ttl-seconds` header. @public */
export type TtlParse = { ok: true; seconds: number; echo: string } | { ok: false };

/**
 * Reads the TTL header of a token PUT. Missing (or empty) means the default of
 * 21600 s; anything but a whole number of seconds in 1–21600 is refused.
 * `echo` is the value to send back in the response header.
 * @public
 */
export function parseTokenTtl(header: string | undefined): TtlParse {
  if (header === undefined || header === "") {
    return { ok: true, seconds: MAX_TOKEN_TTL_SECONDS, echo: String(MAX_TOKEN_TTL_SECONDS) };
  }
  if (!/^[0-9]{1,6}$/.test(header)) return { ok: false };
  const seconds = Number(header);
  if (seconds < MIN_TOKEN_TTL_SECONDS || seconds > MAX_TOKEN_TTL_SECONDS) return { ok: false };
  return { ok: true, seconds, echo: header };
}

/** The outcome of checking a presented token. @public */
export type TokenCheck = { ok: true; remainingSeconds: number } | { ok: false };

/** Issues and checks IMDSv2 session tokens. @public */
export interface TokenStore {
  /** Issues a token valid for `ttlSeconds`, evicting the earliest-expiring one when full. */
  issue(ttlSeconds: number): string;
  /** Whether `token` is live now, and how many whole seconds it has left. */
  check(token: string): TokenCheck;
  /** Number of live (unexpired) tokens. */
  size(): number;
  /** Forgets every token. */
  clear(): void;
}

/** Options of {@link createTokenStore}. @public */
export interface TokenStoreOptions {
  clock?: Clock;
  /** Source of random bytes (default `crypto.randomBytes`). */
  random?: (n: number) => Buffer;
  /** Cap on live tokens (default 256). */
  maxTokens?: number;
}

interface Entry {
  expiresAt: number;
  /** Issue order, to break ties between equal expiry times (older goes first). */
  seq: number;
}

/**
 * An in-memory IMDSv2 token store. Tokens are kept only as SHA-256 digests, so a
 * lookup never compares the secret itself byte by byte and a heap dump does not
 * hold usable tokens. Expired tokens are purged on every operation (no timer).
 * @public
 */
export function createTokenStore(options: TokenStoreOptions = {}): TokenStore {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? randomBytes;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError("maxTokens must be a positive integer");
  const tokens = new Map<string, Entry>();
  let seq = 0;

  const digest = (token: string): string => createHash("sha256").update(token, "utf8").digest("base64");

  const purge = (now: number): void => {
    for (const [key, entry] of tokens) if (entry.expiresAt <= now) tokens.delete(key);
  };

  const evictEarliestExpiring = (): void => {
    let victim: string | undefined;
    let best: Entry | undefined;
    for (const [key, entry] of tokens) {
      if (!best || entry.expiresAt < best.expiresAt || (entry.expiresAt === best.expiresAt && entry.seq < best.seq)) {
        best = entry;
        victim = key;
      }
    }
    if (victim !== undefined) tokens.delete(victim);
  };

  return {
    issue(ttlSeconds: number): string {
      const now = clock.now();
      purge(now);
      while (tokens.size >= maxTokens) evictEarliestExpiring();
      const token = random(TOKEN_RANDOM_BYTES).toString("base64").slice(0, TOKEN_LENGTH);
      tokens.set(digest(token), { expiresAt: now + ttlSeconds * 1000, seq: seq++ });
      return token;
    },
    check(token: string): TokenCheck {
      const now = clock.now();
      purge(now);
      const entry = tokens.get(digest(token));
      if (!entry) return { ok: false };
      return { ok: true, remainingSeconds: Math.floor((entry.expiresAt - now) / 1000) };
    },
    size(): number {
      purge(clock.now());
      return tokens.size;
    },
    clear(): void {
      tokens.clear();
    },
  };
}
