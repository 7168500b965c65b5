import type { Clock } from "../clock.js";

/**
 * Where the replay guard remembers the signatures it accepted. A shared store
 * (Redis, a database) lets several instances of a service refuse a token any
 * of them accepted. Keys are opaque strings; `expiresAt` is in ms since the
 * epoch (the guard needs nothing after it: the token is too old by then).
 * @public
 */
export interface ReplayStore {
  /** True when the key is remembered and not expired (checked before STS is asked). */
  seen(key: string): boolean | Promise<boolean>;
  /** Remembers the key until `expiresAt`; false when it was already there (another request won). */
  claim(key: string, expiresAt: number): boolean | Promise<boolean>;
}

/** Options of {@link createMemoryReplayStore}. @public */
export interface MemoryReplayStoreOptions {
  clock?: Clock;
  /** Most keys held; past it the oldest are dropped. Default 100000. */
  maxEntries?: number;
}

/**
 * An in-process replay store: a map pruned of expired keys as it goes. Only
 * tokens STS accepted are remembered, so junk cannot fill it; past
 * `maxEntries` the oldest are forgotten (a replay of those is then possible
 * until they expire: size it for your peak logins per `maxAge`).
 * @public
 */
export function createMemoryReplayStore(opts: MemoryReplayStoreOptions = {}): ReplayStore {
  const clock = opts.clock ?? { now: () => Date.now() };
  const max = opts.maxEntries ?? 100_000;
  const keys = new Map<string, number>();
  const live = (key: string) => {
    const exp = keys.get(key);
    if (exp === undefined) return false;
    if (exp > clock.now()) return true;
    keys.delete(key);
    return false;
  };
  return {
    seen: live,
    claim(key, expiresAt) {
      if (live(key)) return false;
      const now = clock.now();
      for (const [k, exp] of keys) {
        if (keys.size < max && exp > now) break;
        keys.delete(k);
      }
      keys.set(key, expiresAt);
      return true;
    },
  };
}
