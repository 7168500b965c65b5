import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { RolesAnywhereError } from "../../../src/errors.js";
import { createRefresher, type RefresherEvent, type RefresherOptions } from "../../../src/credentials/refresher.js";
import type { Credentials } from "../../../src/credentials/types.js";
import { makeCredentials } from "./helpers/make-credentials.js";
import { ManualTimers, settle } from "./helpers/manual-timers.js";

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A refresher on a manual clock whose fetch is scripted by the test. */
function setup(over: Partial<RefresherOptions> = {}, lifetimeMs = HOUR) {
  const clock = new ManualClock(T0);
  const timers = new ManualTimers(clock);
  const events: RefresherEvent[] = [];
  let n = 0;
  let failWith: Error | undefined;
  const calls: number[] = [];
  const fetch = over.fetch ??
    (async (): Promise<Credentials> => {
      calls.push(clock.now());
      n += 1;
      if (failWith) throw failWith;
      return makeCredentials(n, clock.now() + lifetimeMs);
    });
  const r = createRefresher({ clock, timers, onEvent: (e) => events.push(e), random: () => 0, ...over, fetch });
  return {
    r,
    clock,
    timers,
    events,
    calls,
    fail(e: Error | undefined) {
      failWith = e;
    },
  };
}

const types = (events: RefresherEvent[]) => events.map((e) => e.type);

describe("refresher", () => {
  it("makes exactly one fetch for 300 concurrent get() calls and gives all of them the same credentials", async () => {
    const clock = new ManualClock(T0);
    const d = deferred<Credentials>();
    let fetches = 0;
    const r = createRefresher({
      clock,
      fetch: () => {
        fetches += 1;
        return d.promise;
      },
    });
    const all = Array.from({ length: 300 }, () => r.get());
    await settle();
    expect(fetches).toBe(1);
    d.resolve(makeCredentials(1, T0 + HOUR));
    const got = await Promise.all(all);
    expect(fetches).toBe(1);
    expect(new Set(got.map((c) => c.accessKeyId))).toEqual(new Set(["ASIATEST00000001"]));
  });

  it("returns the cached credentials while they are fresh", async () => {
    const { r, clock, calls } = setup();
    await r.get();
    clock.advance(40 * MIN);
    await r.get();
    await r.get();
    expect(calls).toHaveLength(1);
  });

  it("refreshes exactly at expiration minus the drawn stale time (random 0 gives staleMin)", async () => {
    const { r, clock, calls } = setup({ random: () => 0, staleMinMs: 6 * MIN, staleMaxMs: 15 * MIN });
    const first = await r.get();
    expect(r.nextRefreshAt()).toBe(T0 + HOUR - 6 * MIN);
    clock.set(T0 + HOUR - 6 * MIN - 1);
    expect((await r.get()).accessKeyId).toBe(first.accessKeyId);
    expect(calls).toHaveLength(1);
    clock.set(T0 + HOUR - 6 * MIN);
    const second = await r.get();
    expect(calls).toHaveLength(2);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
  });

  it("draws the stale time at the top of the range when random is close to 1", async () => {
    const { r } = setup({ random: () => 0.999999, staleMinMs: 5 * MIN, staleMaxMs: 15 * MIN });
    await r.get();
    expect(r.nextRefreshAt()).toBe(Math.round(T0 + HOUR - (5 * MIN + 0.999999 * 10 * MIN)));
  });

  it("keeps every jittered refresh point within [expiration - staleMax, expiration - staleMin]", async () => {
    const points = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const { r } = setup({ random: Math.random, staleMinMs: 5 * MIN, staleMaxMs: 15 * MIN });
      await r.get();
      const at = r.nextRefreshAt()!;
      expect(at).toBeGreaterThanOrEqual(T0 + HOUR - 15 * MIN);
      expect(at).toBeLessThanOrEqual(T0 + HOUR - 5 * MIN);
      points.add(at);
    }
    expect(points.size).toBeGreaterThan(100);
  });

  it("defaults to a stale time between 6 and 15 minutes", async () => {
    const lo = setup({ random: () => 0 });
    await lo.r.get();
    expect(lo.r.nextRefreshAt()).toBe(T0 + HOUR - 6 * MIN);
    const hi = setup({ random: () => 1 });
    await hi.r.get();
    expect(hi.r.nextRefreshAt()).toBe(T0 + HOUR - 15 * MIN);
  });

  it("caps the stale time near half the lifetime for short sessions, never below staleMin", async () => {
    const short = setup({ random: () => 1 }, 15 * MIN);
    await short.r.get();
    expect(short.r.nextRefreshAt()).toBe(T0 + 15 * MIN - 7.5 * MIN);
    const tiny = setup({ random: () => 1 }, 8 * MIN);
    await tiny.r.get();
    expect(tiny.r.nextRefreshAt()).toBe(T0 + 8 * MIN - 6 * MIN);
  });

  it("keeps the last good credentials when a refresh fails, until they expire, then throws the fetch error", async () => {
    const { r, clock, events, fail, calls } = setup();
    const good = await r.get();
    const boom = new RolesAnywhereError("NETWORK", "CreateSession at http://127.0.0.1:1/sessions: connection refused", { hint: "x" });
    fail(boom);
    clock.set(T0 + HOUR - 5 * MIN);
    expect((await r.get()).accessKeyId).toBe(good.accessKeyId);
    expect(calls).toHaveLength(2);
    expect(types(events)).toEqual(["refreshed", "refresh-failed", "using-last-good"]);
    expect(events[1]).toMatchObject({ type: "refresh-failed", message: boom.message, code: "NETWORK", failures: 1 });
    expect(events[2]).toMatchObject({ type: "using-last-good", remainingMs: 5 * MIN });

    clock.set(T0 + HOUR - 1);
    expect((await r.get()).accessKeyId).toBe(good.accessKeyId);
    expect(r.current()?.accessKeyId).toBe(good.accessKeyId);

    clock.set(T0 + HOUR);
    expect(r.current()).toBeUndefined();
    await expect(r.get()).rejects.toBe(boom);
  });

  it("never returns expired credentials from current()", async () => {
    const { r, clock } = setup();
    expect(r.current()).toBeUndefined();
    await r.get();
    clock.set(T0 + HOUR - 1);
    expect(r.current()).toBeDefined();
    clock.set(T0 + HOUR);
    expect(r.current()).toBeUndefined();
    clock.set(T0 + 2 * HOUR);
    expect(r.current()).toBeUndefined();
  });

  it("throttles failed fetches to one per minRefreshInterval and rethrows the last error meanwhile", async () => {
    const { r, clock, fail, calls } = setup({ minRefreshIntervalMs: 30_000 });
    const boom = new Error("CreateSession: 503 Service Unavailable");
    fail(boom);
    await expect(r.get()).rejects.toBe(boom);
    await expect(r.get()).rejects.toBe(boom);
    clock.advance(29_999);
    await expect(r.get()).rejects.toBe(boom);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await expect(r.get()).rejects.toBe(boom);
    expect(calls).toHaveLength(2);
    fail(undefined);
    clock.advance(30_000);
    await expect(r.get()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000003" });
  });

  it("throttles stale refreshes after a failure while the last good credentials are served", async () => {
    const { r, clock, fail, calls } = setup({ minRefreshIntervalMs: 30_000 });
    await r.get();
    fail(new Error("down"));
    clock.set(T0 + 55 * MIN);
    await r.get();
    expect(calls).toHaveLength(2);
    await r.get();
    clock.advance(29_000);
    await r.get();
    expect(calls).toHaveLength(2);
    clock.advance(1_000);
    await r.get();
    expect(calls).toHaveLength(3);
  });

  it("refuses credentials that are already expired when they arrive", async () => {
    const clock = new ManualClock(T0);
    const r = createRefresher({ clock, fetch: async () => makeCredentials(1, T0 - 1000) });
    await expect(r.get()).rejects.toMatchObject({ code: "NO_CREDENTIALS" });
    expect(r.current()).toBeUndefined();
  });

  it("refreshNow() fetches although the credentials are fresh and ignores the throttle", async () => {
    const { r, calls } = setup({ minRefreshIntervalMs: 60_000 });
    await r.get();
    const again = await r.refreshNow();
    expect(calls).toHaveLength(2);
    expect(again.accessKeyId).toBe("ASIATEST00000002");
    expect(r.current()?.accessKeyId).toBe("ASIATEST00000002");
  });

  it("refreshNow() joins a fetch already under way", async () => {
    const d = deferred<Credentials>();
    let fetches = 0;
    const r = createRefresher({
      clock: new ManualClock(T0),
      fetch: () => {
        fetches++;
        return d.promise;
      },
    });
    const a = r.get();
    const b = r.refreshNow();
    d.resolve(makeCredentials(1, T0 + HOUR));
    expect((await a).accessKeyId).toBe((await b).accessKeyId);
    expect(fetches).toBe(1);
  });

  it("puts no secret in any event", async () => {
    const { r, clock, events, fail } = setup();
    await r.get();
    fail(new Error("refused"));
    clock.set(T0 + 55 * MIN);
    await r.get();
    const text = JSON.stringify(events);
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(text).not.toMatch(/SECRET-|TOKEN-/);
  });

  it("survives an onEvent handler that throws", async () => {
    const clock = new ManualClock(T0);
    const r = createRefresher({
      clock,
      fetch: async () => makeCredentials(1, T0 + HOUR),
      onEvent: () => {
        throw new Error("logger broke");
      },
    });
    await expect(r.get()).resolves.toMatchObject({ accessKeyId: "ASIATEST00000001" });
  });
});

describe("refresher background loop", () => {
  it("fetches at once when started with nothing held, then schedules the jittered refresh point", async () => {
    const { r, timers, calls, clock } = setup({ random: () => 0.5, staleMinMs: 5 * MIN, staleMaxMs: 15 * MIN });
    r.startBackground();
    expect(r.nextRefreshAt()).toBe(T0);
    await timers.runNext();
    expect(calls).toEqual([T0]);
    expect(r.current()?.accessKeyId).toBe("ASIATEST00000001");
    expect(r.nextRefreshAt()).toBe(T0 + HOUR - 10 * MIN);
    expect(timers.nextAt()).toBe(T0 + HOUR - 10 * MIN);
    await timers.runNext();
    expect(calls).toEqual([T0, T0 + 50 * MIN]);
    expect(clock.now()).toBe(T0 + 50 * MIN);
    expect(r.nextRefreshAt()).toBe(T0 + 50 * MIN + HOUR - 10 * MIN);
    r.stop();
  });

  it("keeps served credentials above 5 minutes of validity at every refresh while refreshes succeed", async () => {
    const { r, timers, clock, calls } = setup({ random: Math.random });
    const remainingAtFetch: number[] = [];
    const origNow = clock.now.bind(clock);
    r.startBackground();
    await timers.runNext();
    for (let i = 0; i < 50; i++) {
      const before = r.current()!;
      const at = timers.nextAt()!;
      remainingAtFetch.push(before.expiration.getTime() - at);
      // Every instant up to the refresh point is served with ≥ 5 min left.
      clock.set(at - 1);
      expect(r.current()!.expiration.getTime() - origNow()).toBeGreaterThan(5 * MIN);
      await timers.runNext();
    }
    expect(calls).toHaveLength(51);
    expect(Math.min(...remainingAtFetch)).toBeGreaterThanOrEqual(6 * MIN);
    expect(Math.max(...remainingAtFetch)).toBeLessThanOrEqual(15 * MIN);
    r.stop();
  });

  it("retries failures with exponential backoff and jitter, capped at maxMs", async () => {
    const { r, timers, events, fail, clock } = setup({
      random: () => 0.5,
      minRefreshIntervalMs: 0,
      backoff: { baseMs: 1000, maxMs: 8000 },
    });
    fail(new Error("down"));
    r.startBackground();
    const gaps: number[] = [];
    for (let i = 0; i < 6; i++) {
      await timers.runNext();
      gaps.push(r.nextRefreshAt()! - clock.now());
    }
    // cap·(½ + ½·0.5): 1000→750, 2000→1500, 4000→3000, 8000→6000, then capped.
    expect(gaps).toEqual([750, 1500, 3000, 6000, 6000, 6000]);
    const failed = events.filter((e) => e.type === "refresh-failed");
    expect(failed.map((e) => (e.type === "refresh-failed" ? e.failures : 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(failed[2]).toMatchObject({ retryAt: T0 + 750 + 1500 + 3000 });
    r.stop();
  });

  it("draws the backoff jitter between half and all of the capped delay", async () => {
    for (const [rand, want] of [
      [0, 4000],
      [0.999, 7996],
    ] as const) {
      const { r, timers, fail } = setup({ random: () => rand, minRefreshIntervalMs: 0, backoff: { baseMs: 8000, maxMs: 60_000 } });
      fail(new Error("down"));
      r.startBackground();
      await timers.runNext();
      expect(r.nextRefreshAt()).toBe(T0 + want);
      r.stop();
    }
  });

  it("never retries faster than minRefreshInterval, whatever the backoff says", async () => {
    const { r, timers, fail, calls } = setup({ minRefreshIntervalMs: 30_000, backoff: { baseMs: 10, maxMs: 100 } });
    fail(new Error("down"));
    r.startBackground();
    for (let i = 0; i < 4; i++) await timers.runNext();
    expect(calls).toEqual([T0, T0 + 30_000, T0 + 60_000, T0 + 90_000]);
    r.stop();
  });

  it("serves the last good credentials through an outage, none after expiry, and recovers when the service returns", async () => {
    const { r, timers, clock, fail, events } = setup({ random: () => 0, minRefreshIntervalMs: 30_000, backoff: { baseMs: 60_000, maxMs: 120_000 } });
    r.startBackground();
    await timers.runNext();
    const good = r.current()!;
    fail(new Error("connection refused"));
    await timers.advanceTo(T0 + HOUR - 1);
    expect(r.current()?.accessKeyId).toBe(good.accessKeyId);
    expect(events.filter((e) => e.type === "using-last-good").length).toBeGreaterThan(2);
    await timers.advanceTo(T0 + HOUR);
    expect(r.current()).toBeUndefined();
    await timers.advanceTo(T0 + HOUR + 10 * MIN);
    expect(r.current()).toBeUndefined();
    fail(undefined);
    await timers.advanceTo(clock.now() + 2 * MIN);
    expect(r.current()).toBeDefined();
    expect(r.current()!.accessKeyId).not.toBe(good.accessKeyId);
    expect(r.nextRefreshAt()).toBeGreaterThan(clock.now() + 40 * MIN);
    r.stop();
  });

  it("reschedules after a refresh that get() started", async () => {
    const { r, timers, clock } = setup({ random: () => 0 });
    r.startBackground();
    await timers.runNext();
    clock.set(T0 + HOUR - 6 * MIN);
    await r.get();
    expect(r.nextRefreshAt()).toBe(T0 + HOUR - 6 * MIN + HOUR - 6 * MIN);
    expect(timers.size).toBe(1);
    r.stop();
  });

  it("stop() cancels the pending refresh and get() keeps working", async () => {
    const { r, timers, calls } = setup();
    r.startBackground();
    await timers.runNext();
    r.stop();
    expect(timers.size).toBe(0);
    expect(r.nextRefreshAt()).toBe(T0 + HOUR - 6 * MIN);
    await r.get();
    expect(calls).toHaveLength(1);
  });

  it("startBackground() twice keeps a single timer", async () => {
    const { r, timers } = setup();
    r.startBackground();
    r.startBackground();
    expect(timers.size).toBe(1);
    r.stop();
  });
});
