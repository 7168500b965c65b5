/**
 * A fleet of workloads against the CreateSession quota, in virtual time: each
 * workload runs the real refresher (src/credentials/refresher.ts: refresh
 * spreading, minimum interval, failure backoff) over the real credential-cache
 * rules (cache entries serialized and parsed by src/credentials/cache-entry.ts,
 * reused while more than CACHE_MIN_REMAINING_MS remain), and each fetch runs the
 * client's real retry policy (backoffDelayMs, retryAllowed) against a
 * token bucket (src/emulator/quota.ts) that answers 429 above the quota. Clock
 * and timers are injected; nothing sleeps. Pure apart from the caller's output.
 */
import { createRefresher, type Refresher, type RefresherTimers } from "../credentials/refresher.js";
import { parseCacheEntry, serializeCacheEntry } from "../credentials/cache-entry.js";
import { CACHE_MIN_REMAINING_MS } from "../credentials/cache.js";
import { backoffDelayMs, retryAllowed } from "../session/retry.js";
import { TokenBucket } from "../emulator/quota.js";
import { Secret } from "../secret.js";
import type { Credentials } from "../credentials/types.js";

/** Options of {@link simulateFleet}. @public */
export interface FleetOptions {
  workloads: number;
  /** The CreateSession quota, requests per second (token bucket, burst = tps). */
  tps: number;
  /** Session duration the workloads ask for, seconds. */
  sessionDurationSeconds: number;
  /** Every workload restarts at this virtual second (memory lost, cache kept). */
  restartAtSeconds?: number;
  /** How long to simulate, seconds (default: 3 session durations, and past the restart by 2; one for an overloaded fleet). */
  durationSeconds?: number;
  /** Round trip of one CreateSession, ms (default 50). */
  latencyMs?: number;
  /** Attempts per fetch before it fails (the client's default is 3; throttling goes on for THROTTLE_RETRY_BUDGET_MS). */
  maxAttempts?: number;
  /** Seed of the random numbers (default 1): the same seed gives the same run. */
  seed?: number;
  /** Width of the chart's time buckets, seconds (default: the run split into about 600). */
  bucketSeconds?: number;
}

/** What a run measured. @public */
export interface FleetReport {
  workloads: number;
  tps: number;
  sessionDurationSeconds: number;
  restartAtSeconds: number | null;
  simulatedSeconds: number;
  /** The steady CreateSession rate the fleet needs (workloads / (session − 10.5 min)), per second. */
  requiredTps: number;
  /** requiredTps is above the quota: the fleet cannot keep credentials whatever the client does. */
  overloaded: boolean;
  /** Most successful CreateSession calls in one second. */
  peakCreateSessionPerSecond: number;
  /** Most CreateSession attempts (throttled included) in one second. */
  peakAttemptsPerSecond: number;
  /** From the synchronized start until every workload held credentials (null: never within the run). */
  secondsUntilAllCredentialed: number | null;
  /** From the restart until every workload held credentials again (null without a restart, or never). */
  secondsUntilAllCredentialedAfterRestart: number | null;
  /** Fetches that failed after all their attempts (the refresher then retries later). */
  failedFetches: number;
  /** CreateSession attempts answered 429. */
  throttledCalls: number;
  /** Successful CreateSession calls, all told. */
  createSessionCalls: number;
  /** Fetches answered from the cache (after a restart). */
  cacheHits: number;
  /** Successful CreateSession per hour from the end of the first session duration to the end of the run (the whole run when it is one session long). */
  createSessionPerHourSteady: number;
  /** Workload-seconds without valid credentials after each workload first had some. */
  secondsWithoutCredentials: number;
  /** Per chart bucket: start second, successful CreateSession per second, attempts per second. */
  series: { bucketSeconds: number; t: number[]; createSessionPerSecond: number[]; attemptsPerSecond: number[] };
}

/** A min-heap of timed events (time, then insertion order). */
class EventQueue {
  #t: number[] = [];
  #seq: number[] = [];
  #fn: Step[] = [];
  #n = 0;
  #next = 0;
  get size(): number {
    return this.#n;
  }
  push(t: number, fn: Step): number {
    const id = this.#next++;
    let i = this.#n++;
    this.#t[i] = t;
    this.#seq[i] = id;
    this.#fn[i] = fn;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#less(p, i)) break;
      this.#swap(i, p);
      i = p;
    }
    return id;
  }
  peekTime(): number {
    return this.#t[0]!;
  }
  pop(): Step {
    const fn = this.#fn[0]!;
    const last = --this.#n;
    if (last > 0) {
      this.#t[0] = this.#t[last]!;
      this.#seq[0] = this.#seq[last]!;
      this.#fn[0] = this.#fn[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < last && this.#less(l, m)) m = l;
        if (r < last && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    this.#fn.length = Math.max(this.#n, 0);
    this.#t.length = this.#n;
    this.#seq.length = this.#n;
    return fn;
  }
  #less(a: number, b: number): boolean {
    const ta = this.#t[a]!;
    const tb = this.#t[b]!;
    return ta < tb || (ta === tb && this.#seq[a]! < this.#seq[b]!);
  }
  #swap(a: number, b: number): void {
    [this.#t[a], this.#t[b]] = [this.#t[b]!, this.#t[a]!];
    [this.#seq[a], this.#seq[b]] = [this.#seq[b]!, this.#seq[a]!];
    [this.#fn[a], this.#fn[b]] = [this.#fn[b]!, this.#fn[a]!];
  }
}

/** An event: a function, or an object stepped again and again (no allocation per retry). */
type Step = (() => void) | { step(): void };

/**
 * Events by virtual millisecond: a ring of per-millisecond lists for the next
 * 65.536 s (where the retries are) and a heap for later ones (refresh timers).
 * Events of one millisecond run in the order they were added.
 */
class Timeline {
  static readonly SPAN = 65_536;
  static readonly BLOCK = 1024;
  readonly #slots: Array<Array<Step> | undefined> = new Array(Timeline.SPAN);
  /** Events per 1024-ms block of the ring: empty blocks are skipped whole. */
  readonly #blocks = new Uint32Array(Timeline.SPAN / Timeline.BLOCK);
  readonly #far = new EventQueue();
  #inWheel = 0;
  /** The earliest millisecond that may still hold events. */
  #cur = 0;
  get size(): number {
    return this.#inWheel + this.#far.size;
  }
  push(t: number, fn: Step): void {
    const at = Math.max(Math.round(t), this.#cur);
    if (at - this.#cur < Timeline.SPAN) this.#put(at, fn);
    else this.#far.push(at, fn);
  }
  #put(at: number, fn: Step): void {
    const i = at % Timeline.SPAN;
    (this.#slots[i] ??= []).push(fn);
    this.#blocks[(i / Timeline.BLOCK) | 0]!++;
    this.#inWheel++;
  }
  /** The next millisecond with events (undefined when none), moving far events into the ring as it goes. */
  next(): number | undefined {
    for (;;) {
      while (this.#far.size > 0 && this.#far.peekTime() - this.#cur < Timeline.SPAN) {
        const t = this.#far.peekTime();
        this.#put(t, this.#far.pop());
      }
      if (this.#inWheel === 0) {
        if (this.#far.size === 0) return undefined;
        this.#cur = this.#far.peekTime() - Timeline.SPAN + 1;
        continue;
      }
      const i = this.#cur % Timeline.SPAN;
      if (this.#blocks[(i / Timeline.BLOCK) | 0] === 0) {
        this.#cur += Timeline.BLOCK - (i % Timeline.BLOCK);
        continue;
      }
      const list = this.#slots[i];
      if (list !== undefined && list.length > 0) return this.#cur;
      this.#cur++;
    }
  }
  /** Runs the events of millisecond `t` (as returned by next()), including those they add for `t`. */
  run(t: number): void {
    const i = t % Timeline.SPAN;
    const list = this.#slots[i]!;
    const b = (i / Timeline.BLOCK) | 0;
    for (let k = 0; k < list.length; k++) {
      this.#inWheel--;
      this.#blocks[b]!--;
      const e = list[k]!;
      if (typeof e === "function") e();
      else e.step();
    }
    list.length = 0;
  }
}

/** Mulberry32: small, fast, seeded. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Thrown by a simulated fetch that ran out of attempts. */
class Throttled extends Error {}

/**
 * Runs the simulation. Virtual time starts at 0 (the epoch is only used for
 * credential expirations); every workload starts at 0 (a synchronized start).
 * @public
 */
export async function simulateFleet(opts: FleetOptions): Promise<FleetReport> {
  const n = opts.workloads;
  const session = opts.sessionDurationSeconds;
  const restartAt = opts.restartAtSeconds;
  // One refresh per workload per (lifetime − the refresher's mean 10.5-minute lead): the rate the fleet needs.
  const requiredTps = n / Math.max(1, session - 630);
  const overloaded = requiredTps > opts.tps;
  // An overloaded fleet never settles (it is throttled for good): one session duration shows it.
  const horizon =
    opts.durationSeconds ?? (overloaded ? session : Math.max(3 * session, restartAt !== undefined ? restartAt + 2 * session : 0));
  const horizonMs = horizon * 1000;
  const latency = opts.latencyMs ?? 50;
  const maxAttempts = opts.maxAttempts ?? 3;
  const random = seeded(opts.seed ?? 1);
  const bucket = new TokenBucket(opts.tps);
  const bucketSeconds = opts.bucketSeconds ?? Math.max(1, Math.ceil(horizon / 600));
  const buckets = Math.ceil(horizon / bucketSeconds);
  const okPerBucket = new Float64Array(buckets);
  const attemptsPerBucket = new Float64Array(buckets);
  const okPerSecond = new Uint32Array(horizon + 1);
  const attemptsPerSecond = new Uint32Array(horizon + 1);

  const queue = new Timeline();
  let now = 0;
  /** Counts everything the workloads do; the drain below waits until it stops moving. */
  let activity = 0;
  const clock = { now: () => (activity++, now) };
  const timers: RefresherTimers = {
    setTimeout: (fn, ms) => {
      activity++;
      const h = { cancelled: false };
      queue.push(now + Math.max(0, Math.round(ms)), () => {
        if (!h.cancelled) fn();
      });
      return h;
    },
    clearTimeout: (h) => {
      if (h) (h as { cancelled: boolean }).cancelled = true;
    },
  };

  let throttled = 0;
  let ok = 0;
  let failed = 0;
  let hits = 0;
  let keyCounter = 0;
  const cache: Array<string | undefined> = new Array(n);
  const credentialed = new Uint8Array(n);
  let credentialedCount = 0;
  let allAt: number | null = null;
  let allAfterRestartAt: number | null = null;
  let restarted = false;
  /** Until when each workload's credentials are valid (ms), for the without-credentials total. */
  const validUntil = new Float64Array(n);
  let gapMs = 0;

  const record = (okCall: boolean): void => {
    const s = Math.floor(now / 1000);
    const b = Math.min(buckets - 1, Math.floor(s / bucketSeconds));
    attemptsPerSecond[s]!++;
    attemptsPerBucket[b]!++;
    if (okCall) {
      okPerSecond[s]!++;
      okPerBucket[b]!++;
    }
  };

  /** One CreateSession with the client's retries: each attempt is an event of the same object, throttles cost no promise. */
  class Call {
    k = 0;
    waited = 0;
    /** 0: next is an attempt; 1: next is the answer to a success; 2: next is the final failure. */
    phase = 0;
    constructor(
      readonly w: number,
      readonly resolve: (c: Credentials) => void,
      readonly reject: (e: Error) => void,
    ) {}
    step(): void {
      if (this.phase === 1) return this.answer();
      if (this.phase === 2) {
        activity++;
        this.reject(new Throttled("CreateSession failed: Rate exceeded (HTTP 429)"));
        return;
      }
      this.k++;
      const allowed = bucket.take(now);
      record(allowed);
      if (allowed) {
        ok++;
        this.phase = 1;
        queue.push(now + latency, this);
        return;
      }
      throttled++;
      if (this.k >= maxAttempts && !retryAllowed({ attempt: this.k, maxAttempts, retryable: true, throttled: true, elapsedMs: this.waited })) {
        this.phase = 2;
        queue.push(now + latency, this);
        return;
      }
      const delay = backoffDelayMs(this.k, random, true);
      this.waited += delay;
      queue.push(now + latency + delay, this);
    }
    answer(): void {
      const expiresMs = Math.floor(now / 1000) * 1000 + session * 1000;
      const creds: Credentials = {
        accessKeyId: `ASIASIM${(keyCounter++).toString(36).toUpperCase().padStart(13, "0")}`,
        secretAccessKey: new Secret("simulated-secret"),
        sessionToken: new Secret("simulated-token"),
        expiration: new Date(expiresMs),
        expirationRaw: isoSeconds(expiresMs),
        accountId: "123456789012",
        roleArn: "arn:aws:iam::123456789012:role/fleet",
      };
      cache[this.w] = serializeCacheEntry(creds, cacheKeyOf(this.w));
      activity++;
      this.resolve(creds);
    }
  }
  function createSession(w: number): Promise<Credentials> {
    return new Promise((resolve, reject) => queue.push(now + latency / 2, new Call(w, resolve, reject)));
  }

  /** The cache rule of credential-process --cache: reuse an entry while more than 15 minutes remain. */
  function fetchFor(w: number): () => Promise<Credentials> {
    return async () => {
      const text = cache[w];
      const cached = text === undefined ? undefined : parseCacheEntry(text, cacheKeyOf(w));
      if (cached && cached.expiration.getTime() - now > CACHE_MIN_REMAINING_MS) {
        hits++;
        return cached;
      }
      try {
        return await createSession(w);
      } catch (err) {
        failed++;
        throw err;
      }
    };
  }

  /** Each workload's own cache key (an entry names the key it was written for). */
  function cacheKeyOf(w: number): string {
    return `fleet-workload-${w}`;
  }

  const refreshers: Refresher[] = new Array(n);
  function startWorkload(w: number): void {
    const r = createRefresher({
      fetch: fetchFor(w),
      clock,
      timers,
      random,
      onEvent: (e) => {
        if (e.type !== "refreshed") return;
        const until = e.expiration.getTime();
        if (credentialed[w] && validUntil[w]! < now) gapMs += now - validUntil[w]!;
        validUntil[w] = until;
        if (!credentialed[w]) {
          credentialed[w] = 1;
          credentialedCount++;
          if (credentialedCount === n) {
            if (!restarted && allAt === null) allAt = now;
            if (restarted && allAfterRestartAt === null) allAfterRestartAt = now;
          }
        }
      },
    });
    refreshers[w] = r;
    r.startBackground();
  }

  for (let w = 0; w < n; w++) startWorkload(w);
  if (restartAt !== undefined) {
    queue.push(restartAt * 1000, () => {
      restarted = true;
      credentialed.fill(0);
      credentialedCount = 0;
      for (let w = 0; w < n; w++) {
        refreshers[w]!.stop();
        startWorkload(w);
      }
    });
  }

  // Virtual time: run the earliest event, then let the promise callbacks it
  // set off run at that same instant (until the workloads stop moving).
  const drain = async (): Promise<void> => {
    for (let quiet = 0; quiet < 4; ) {
      const before = activity;
      await null;
      quiet = activity === before ? quiet + 1 : 0;
    }
  };
  await drain();
  for (;;) {
    const t = queue.next();
    if (t === undefined || t > horizonMs) break;
    now = t;
    const before = activity;
    queue.run(t);
    // Only events that touched a refresher (timers, clock, promises) need their callbacks run now.
    if (activity !== before) await drain();
  }
  now = horizonMs;
  for (let w = 0; w < n; w++) {
    refreshers[w]!.stop();
    if (credentialed[w] && validUntil[w]! < now) gapMs += now - validUntil[w]!;
  }

  // After the first session duration (the synchronized start), to the end: refreshes of a fleet whose
  // phases are still bunched land once or twice in any one window, so the average is over all of it.
  const steadyFrom = horizon > session ? session : 0;
  let steady = 0;
  for (let s = steadyFrom; s < horizon; s++) steady += okPerSecond[s]!;
  const t: number[] = [];
  const cs: number[] = [];
  const at: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const width = Math.min(bucketSeconds, horizon - b * bucketSeconds);
    t.push(b * bucketSeconds);
    cs.push(Math.round((okPerBucket[b]! / width) * 1000) / 1000);
    at.push(Math.round((attemptsPerBucket[b]! / width) * 1000) / 1000);
  }
  return {
    workloads: n,
    tps: opts.tps,
    sessionDurationSeconds: session,
    restartAtSeconds: restartAt ?? null,
    simulatedSeconds: horizon,
    requiredTps: Math.round(requiredTps * 100) / 100,
    overloaded,
    peakCreateSessionPerSecond: Math.max(...okPerSecond),
    peakAttemptsPerSecond: Math.max(...attemptsPerSecond),
    secondsUntilAllCredentialed: allAt === null ? null : Math.round(allAt) / 1000,
    secondsUntilAllCredentialedAfterRestart: allAfterRestartAt === null || restartAt === undefined ? null : Math.round(allAfterRestartAt - restartAt * 1000) / 1000,
    failedFetches: failed,
    throttledCalls: throttled,
    createSessionCalls: ok,
    cacheHits: hits,
    createSessionPerHourSteady: Math.round((steady / (horizon - steadyFrom)) * 3600),
    secondsWithoutCredentials: Math.round(gapMs / 1000),
    series: { bucketSeconds, t, createSessionPerSecond: cs, attemptsPerSecond: at },
  };
}

/** An SVG line chart of CreateSession per second over time, with the quota as a dashed line. @public */
export function fleetChartSvg(r: FleetReport, title = `${r.workloads.toLocaleString("en-US")} workloads, ${r.tps} TPS quota, ${r.sessionDurationSeconds} s sessions`): string {
  const W = 900;
  const H = 360;
  const L = 60;
  const R = 20;
  const T = 40;
  const B = 50;
  const xs = r.series.t;
  const maxY = Math.max(r.tps * 1.5, ...r.series.createSessionPerSecond, 1);
  const x = (s: number) => L + (s / r.simulatedSeconds) * (W - L - R);
  const y = (v: number) => T + (1 - v / maxY) * (H - T - B);
  const path = (vals: number[]) => vals.map((v, i) => `${i === 0 ? "M" : "L"}${x(xs[i]!).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const ticksY = Array.from({ length: 6 }, (_, i) => (maxY * i) / 5);
  const hour = 3600;
  const ticksX = Array.from({ length: Math.floor(r.simulatedSeconds / hour) + 1 }, (_, i) => i * hour);
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${L}" y="22" font-size="14">${esc(title)}${r.restartAtSeconds !== null ? `, all restart at ${r.restartAtSeconds} s` : ""}</text>
${ticksY.map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/><text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v * 10) / 10}</text>`).join("\n")}
${ticksX.map((s) => `<text x="${x(s).toFixed(1)}" y="${H - B + 18}" text-anchor="middle">${s / hour} h</text>`).join("\n")}
<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>
<text x="14" y="${(T + H - B) / 2}" transform="rotate(-90 14 ${(T + H - B) / 2})" text-anchor="middle">CreateSession per second</text>
<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">virtual time (bucket ${r.series.bucketSeconds} s)</text>
<path d="${path(r.series.attemptsPerSecond.map((v) => Math.min(v, maxY)))}" fill="none" stroke="#f4a261" stroke-width="1"/>
<path d="${path(r.series.createSessionPerSecond)}" fill="none" stroke="#1d3557" stroke-width="1.5"/>
<line x1="${L}" x2="${W - R}" y1="${y(r.tps).toFixed(1)}" y2="${y(r.tps).toFixed(1)}" stroke="#e63946" stroke-dasharray="6 4" stroke-width="1.5"/>
<text x="${W - R - 4}" y="${(y(r.tps) - 6).toFixed(1)}" text-anchor="end" fill="#e63946">quota ${r.tps}/s</text>
<g transform="translate(${L + 10},${T + 8})"><rect width="12" height="3" y="4" fill="#1d3557"/><text x="18" y="10">successful</text><rect x="100" width="12" height="3" y="4" fill="#f4a261"/><text x="118" y="10">attempts incl. throttled (cut at the top)</text></g>
</svg>
`;
}
