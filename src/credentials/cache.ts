import type { Clock } from "../clock.js";
import { parseCacheEntry, serializeCacheEntry } from "./cache-entry.js";
import { userCacheBase } from "./cache-base.js";
import { ownedByUsAlone, readOwnFileSync } from "./own-file.js";
import { sha256Hex } from "./sha256.js";
import type { SourceDescription } from "./source.js";
import type { Credentials } from "./types.js";

/*
 * Start-up budget: a cache hit is the hot path of `credential-process --cache`
 * (the AWS SDKs run it for every credential refresh). It loads no node:crypto
 * (SHA-256 in ./sha256.js), reads the entry with synchronous calls (one small
 * local file: no thread-pool round trips, no fs/promises), and takes the node:
 * modules through process.getBuiltinModule (an ESM import of a built-in module
 * builds its namespace). The lock and the atomic write load only on a miss.
 */
const { join } = process.getBuiltinModule("node:path");

/** Cache entries are reused while more than this much validity remains (15 minutes). @public */
export const CACHE_MIN_REMAINING_MS = 15 * 60_000;

const DIR_NAME = "rolesanywhere-signing-helper";

/**
 * The cache key of a source's description (see BaseCredentialSource):
 * lowercase hex SHA-256 of its JSON.
 * @public
 */
export function cacheKey(description: SourceDescription): string {
  return sha256Hex(JSON.stringify(description));
}

/**
 * The per-user cache directory: `$XDG_CACHE_HOME/rolesanywhere-signing-helper`
 * when XDG_CACHE_HOME is an absolute path, else `~/.cache/rolesanywhere-signing-helper`.
 * Not created here (writes create it with mode 0700).
 * @public
 */
export function cacheDir(env: Record<string, string | undefined>, home?: string): string {
  return join(userCacheBase(env, home), DIR_NAME);
}

export { userCacheBase };

const entryPath = (dir: string, key: string) => join(dir, `${key}.json`);

/**
 * The cached credentials for `key` if more than `minRemainingMs` of validity
 * remain at `clock.now()`. A missing, unreadable, corrupt or expiring entry, one
 * stored under another key, one that group or others may read or write or that
 * another user owns, or any entry of a directory that is not this user's alone,
 * gives undefined; never throws.
 * @public
 */
export async function readCached(
  dir: string,
  key: string,
  clock: Clock,
  minRemainingMs: number = CACHE_MIN_REMAINING_MS,
): Promise<Credentials | undefined> {
  return readCachedSync(dir, key, clock, minRemainingMs);
}

/** An entry others may read or write is not used (and gets replaced). */
const ENTRY_DENY = 0o077;

/** The cache directory is used only when it is this user's and nobody else may write it (as the code cache's). */
function trustedDir(dir: string): boolean {
  try {
    const st = process.getBuiltinModule("node:fs").statSync(dir);
    return st.isDirectory() && ownedByUsAlone(st);
  } catch {
    return false;
  }
}

/** {@link readCached}, synchronously (a small local file: the cache-hit path stays on one tick). */
function readCachedSync(dir: string, key: string, clock: Clock, minRemainingMs: number): Credentials | undefined {
  if (!trustedDir(dir)) return undefined;
  const bytes = readOwnFileSync(entryPath(dir, key), ENTRY_DENY);
  const creds = bytes === undefined ? undefined : parseCacheEntry(bytes.toString("utf8"), key);
  if (!creds || creds.expiration.getTime() - clock.now() <= minRemainingMs) return undefined;
  return creds;
}

/**
 * Stores credentials under `key`, atomically, file mode 0600 (directory 0700
 * when created). Throws a RolesAnywhereError (IO) when the write fails.
 * @public
 */
export async function writeCached(dir: string, key: string, creds: Credentials): Promise<void> {
  const { writeFileAtomic } = await import("./atomic-write.js");
  await writeFileAtomic(entryPath(dir, key), serializeCacheEntry(creds, key), { mode: 0o600, dirMode: 0o700 });
}

/** Options of {@link getOrCreate}. @public */
export interface GetOrCreateOptions {
  minRemainingMs?: number;
  /** How long to wait for another process's fetch (default 60 s); then fetch anyway. */
  lockTimeoutMs?: number;
  /** Told about cache problems that were worked around (never fatal). */
  onWarning?: (message: string) => void;
}

/**
 * Cached credentials for `key`, or new ones from `fetch`, with one fetch among
 * any number of concurrent processes: on a miss it takes the per-key lock,
 * reads again (another process may have filled the entry), and only then fetches
 * and writes. Cache trouble (unwritable directory, lock timeout, failed write) is
 * reported to `onWarning` and never fails the call; a fetch error is thrown as is.
 * @public
 */
export async function getOrCreate(
  dir: string,
  key: string,
  fetch: () => Promise<Credentials>,
  clock: Clock,
  opts: GetOrCreateOptions = {},
): Promise<Credentials> {
  const min = opts.minRemainingMs ?? CACHE_MIN_REMAINING_MS;
  const warn = (m: string) => opts.onWarning?.(m);
  const hit = readCachedSync(dir, key, clock, min);
  if (hit) return hit;

  const fetchAndStore = async (): Promise<Credentials> => {
    const creds = await fetch();
    const left = creds.expiration.getTime() - clock.now();
    if (left <= min) {
      // Never reused (a read needs more than the margin), and expired ones must not linger.
      warn(
        `credential cache: not saved: the credentials expire at ${creds.expirationRaw}, ` +
          (left <= 0 ? "already past" : `within the cache's ${Math.round(min / 60_000)}-minute margin`),
      );
      return creds;
    }
    try {
      await writeCached(dir, key, creds);
    } catch (err) {
      warn(`credential cache: not saved: ${err instanceof Error ? err.message : String(err)}`);
    }
    return creds;
  };

  const [{ mkdir, stat }, { withFileLock }] = await Promise.all([import("node:fs/promises"), import("./file-lock.js")]);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    warn(`credential cache: directory ${dir} unusable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return fetch();
  }
  const st = await stat(dir).catch(() => undefined);
  if (!st || !st.isDirectory() || !ownedByUsAlone(st)) {
    const why = st ? `owner uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}` : "cannot be read";
    warn(`credential cache: directory ${dir} is not this user's alone (${why}); fetching without the cache`);
    return fetch();
  }
  let entered = false;
  try {
    return await withFileLock(
      join(dir, `${key}.lock`),
      async () => {
        entered = true;
        return (await readCached(dir, key, clock, min)) ?? (await fetchAndStore());
      },
      { timeoutMs: opts.lockTimeoutMs ?? 60_000, staleMs: 30_000 },
    );
  } catch (err) {
    // Only lock trouble is worked around; errors of the fetch itself propagate.
    if (entered) throw err;
    warn(`credential cache: ${err instanceof Error ? err.message : String(err)}; fetching without the cache`);
    return fetchAndStore();
  }
}
