import { systemClock, type Clock } from "../clock.js";
import { RolesAnywhereError } from "../errors.js";
import type { CredentialSource, Credentials } from "./types.js";

/** Something the refresher reports; carries no secret. @public */
export type RefresherEvent =
  | { type: "refreshed"; accessKeyId: string; expiration: Date; refreshAt: number }
  | {
      type: "refresh-failed";
      /** The error's one-line message (never a secret by the package's rules). */
      message: string;
      code?: string;
      /** Consecutive failures so far, 1 for the first. */
      failures: number;
      /** When the background loop tries again (undefined when it is not running). */
      retryAt?: number;
    }
  | { type: "using-last-good"; expiration: Date; remainingMs: number };

/** Timer functions, injectable so tests drive the background loop by hand. @public */
export interface RefresherTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createRefresher}. Every duration is in milliseconds. @public */
export interface RefresherOptions {
  /** Gets new credentials (e.g. resolve the identity, then CreateSession). Called once per refresh. */
  fetch: () => Promise<Credentials>;
  /** Time source. Default: the system clock. */
  clock?: Clock;
  /**
   * Credentials become stale (due for refresh) a random time between `staleMinMs`
   * and `staleMaxMs` before they expire. Default 6 minutes: the 5 minutes of
   * validity the consumers are promised, plus 1 minute for the fetch itself.
   */
  staleMinMs?: number;
  /** Default 15 minutes. For short sessions the stale time is capped near half the lifetime (never under `staleMinMs`). */
  staleMaxMs?: number;
  /** No two fetch attempts closer than this, successes and failures alike (refreshNow() excepted). Default 30 s. */
  minRefreshIntervalMs?: number;
  /** Retry delay after the n-th consecutive failure: min(maxMs, baseMs·2^(n−1)), jittered in [½, 1]×. Default 10 s / 2 min. */
  backoff?: { baseMs: number; maxMs: number };
  /** Uniform random number in [0, 1). Default Math.random. */
  random?: () => number;
  /** Receives log-worthy events. Exceptions it throws are ignored. */
  onEvent?: (event: RefresherEvent) => void;
  /** Default: the global setTimeout/clearTimeout. */
  timers?: RefresherTimers;
  /** Unref the default timers so the background loop alone does not keep the process alive. Default false. */
  unrefTimers?: boolean;
}

/** The shared refresh engine behind serve, update and the SDK provider. @public */
export interface Refresher extends CredentialSource {
  /**
   * Valid credentials: the cached ones while fresh, else a refresh (one fetch
   * however many callers). When the refresh fails and the cached credentials have
   * not expired they are returned (event `using-last-good`); with nothing valid the
   * fetch error is thrown. Within `minRefreshIntervalMs` of a failed attempt, and
   * with nothing valid, the last error is thrown again without a new fetch.
   */
  get(): Promise<Credentials>;
  /** The cached credentials if they have not expired, else undefined. Never blocks, never fetches. */
  current(): Credentials | undefined;
  /** Fetches now, ignoring freshness and throttling (joins a fetch already under way). Rejects on failure. */
  refreshNow(): Promise<Credentials>;
  /** Starts the background loop: refresh when stale, retry failures with backoff and jitter. Idempotent. */
  startBackground(): void;
  /** Stops the background loop. get() and refreshNow() keep working. */
  stop(): void;
  /** When the next background refresh is due (loop running), else when get() would refresh; undefined if unknown. */
  nextRefreshAt(): number | undefined;
}

const MAX_TIMER_MS = 2_147_483_647;

const defaultTimers: RefresherTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function unrefTimers(base: RefresherTimers): RefresherTimers {
  return {
    setTimeout: (fn, ms) => {
      const h = base.setTimeout(fn, ms) as { unref?: () => void };
      h?.unref?.();
      return h;
    },
    clearTimeout: base.clearTimeout,
  };
}

interface Held {
  credentials: Credentials;
  expiresAt: number;
  refreshAt: number;
}

/**
 * Creates a refresher around `fetch`: single flight, refresh ahead of expiry with
 * jitter, a minimum interval between attempts, exponential backoff on failure and
 * keep-last-good until the credentials truly expire.
 * @public
 */
export function createRefresher(opts: RefresherOptions): Refresher {
  const clock = opts.clock ?? systemClock;
  const staleMin = opts.staleMinMs ?? 6 * 60_000;
  const staleMax = Math.max(staleMin, opts.staleMaxMs ?? 15 * 60_000);
  const minInterval = opts.minRefreshIntervalMs ?? 30_000;
  const backoff = opts.backoff ?? { baseMs: 10_000, maxMs: 120_000 };
  const random = opts.random ?? Math.random;
  const baseTimers = opts.timers ?? defaultTimers;
  const timers = opts.unrefTimers && !opts.timers ? unrefTimers(baseTimers) : baseTimers;

  let held: Held | undefined;
  let inflight: Promise<Credentials> | undefined;
  let lastAttemptAt: number | undefined;
  let lastFailure: { at: number; error: unknown } | undefined;
  let failures = 0;
  let running = false;
  let timer: unknown;
  let timerAt: number | undefined;

  const emit = (e: RefresherEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // a broken logger must not break refreshing
    }
  };

  /** Refresh point for credentials obtained at `now` expiring at `expiresAt`. */
  function refreshPoint(now: number, expiresAt: number): number {
    const lifetime = expiresAt - now;
    const upper = Math.min(staleMax, Math.max(staleMin, lifetime / 2));
    const stale = staleMin + random() * (upper - staleMin);
    return Math.round(expiresAt - stale);
  }

  function backoffDelay(n: number): number {
    const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(n - 1, 30));
    return cap / 2 + (random() * cap) / 2;
  }

  /** When the background loop should next fetch. */
  function nextAttemptAt(now: number): number {
    const throttle = lastAttemptAt === undefined ? now : lastAttemptAt + minInterval;
    if (lastFailure) return Math.round(Math.max(throttle, lastFailure.at + backoffDelay(failures)));
    if (held) return Math.max(throttle, held.refreshAt);
    return now;
  }

  function clearTimer(): void {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    timerAt = undefined;
  }

  function scheduleAt(at: number): void {
    clearTimer();
    timerAt = at;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - clock.now()));
    timer = timers.setTimeout(() => onTimer(at), delay);
  }

  function onTimer(at: number): void {
    timer = undefined;
    if (!running) return;
    // A long delay is split (setTimeout's limit) and a real timer may fire a little early.
    if (clock.now() < at - 1000) return scheduleAt(at);
    timerAt = undefined;
    refresh().catch(() => undefined);
  }

  function valid(now: number): Held | undefined {
    return held && now < held.expiresAt ? held : undefined;
  }

  function succeeded(credentials: Credentials): Credentials {
    const now = clock.now();
    const expiresAt = credentials.expiration.getTime();
    if (!Number.isFinite(expiresAt) || expiresAt <= now) {
      throw new RolesAnywhereError(
        "NO_CREDENTIALS",
        `refreshing credentials: the new credentials are already expired (expiration ${credentials.expirationRaw})`,
        { hint: "check the system clock, and the session duration of the profile" },
      );
    }
    held = { credentials, expiresAt, refreshAt: refreshPoint(now, expiresAt) };
    failures = 0;
    lastFailure = undefined;
    inflight = undefined;
    if (running) scheduleAt(nextAttemptAt(now));
    emit({ type: "refreshed", accessKeyId: credentials.accessKeyId, expiration: credentials.expiration, refreshAt: held.refreshAt });
    return credentials;
  }

  function failed(error: unknown): never {
    const now = clock.now();
    failures += 1;
    lastFailure = { at: now, error };
    inflight = undefined;
    if (running) scheduleAt(nextAttemptAt(now));
    const code = error instanceof RolesAnywhereError ? error.code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    emit({ type: "refresh-failed", message, ...(code ? { code } : {}), failures, ...(running ? { retryAt: timerAt } : {}) });
    const last = valid(now);
    if (last) emit({ type: "using-last-good", expiration: last.credentials.expiration, remainingMs: last.expiresAt - now });
    throw error;
  }

  /** One fetch at a time: every caller during a fetch shares its promise. */
  function refresh(): Promise<Credentials> {
    if (inflight) return inflight;
    lastAttemptAt = clock.now();
    // .then callbacks always run later, so `inflight` is set before either can clear it.
    const p = Promise.resolve()
      .then(() => opts.fetch())
      .then(succeeded)
      .catch(failed);
    inflight = p;
    return p;
  }

  async function get(): Promise<Credentials> {
    const now = clock.now();
    const h = held;
    if (h && now < h.refreshAt && now < h.expiresAt) return h.credentials;
    const good = valid(now);
    if (!inflight && lastAttemptAt !== undefined && now - lastAttemptAt < minInterval) {
      if (good) return good.credentials;
      if (lastFailure) throw lastFailure.error;
    }
    try {
      return await refresh();
    } catch (error) {
      const still = valid(clock.now());
      if (still) return still.credentials;
      throw error;
    }
  }

  return {
    get,
    current: () => valid(clock.now())?.credentials,
    refreshNow: () => refresh(),
    startBackground(): void {
      if (running) return;
      running = true;
      if (!inflight) scheduleAt(nextAttemptAt(clock.now()));
    },
    stop(): void {
      running = false;
      clearTimer();
    },
    nextRefreshAt: () => (running ? timerAt : held?.refreshAt),
  };
}
