import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../src/clock.js";
import { createTokenStore, parseTokenTtl } from "../../../../src/outputs/serve/imds-tokens.js";

describe("parseTokenTtl", () => {
  it("defaults a missing or empty header to 21600 and echoes that", () => {
    expect(parseTokenTtl(undefined)).toEqual({ ok: true, seconds: 21600, echo: "21600" });
    expect(parseTokenTtl("")).toEqual({ ok: true, seconds: 21600, echo: "21600" });
  });
  it.each([
    ["1", 1],
    ["60", 60],
    ["21600", 21600],
    ["0060", 60],
  ])("accepts %s", (header, seconds) => {
    expect(parseTokenTtl(header)).toEqual({ ok: true, seconds, echo: header });
  });
  it.each(["0", "21601", "abc", "-1", "+5", "1.5", " 60", "60s", "9999999999"])("refuses %j", (header) => {
    expect(parseTokenTtl(header)).toEqual({ ok: false });
  });
});

/** Deterministic "random" bytes: each call fills the buffer with the next byte value. */
function counterRandom(): (n: number) => Buffer {
  let i = 0;
  return (n) => Buffer.alloc(n, i++ % 256);
}

describe("createTokenStore", () => {
  it("issues 100 base64 characters taken from 128 random bytes", () => {
    const store = createTokenStore({ random: counterRandom() });
    const first = store.issue(60);
    expect(first).toBe(Buffer.alloc(128, 0).toString("base64").slice(0, 100));
    expect(first).toHaveLength(100);
    const real = createTokenStore().issue(60);
    expect(real).toMatch(/^[A-Za-z0-9+/]{100}$/);
  });

  it("knows its tokens until their TTL passes and reports whole seconds left", () => {
    const clock = new ManualClock(1_000_000);
    const store = createTokenStore({ clock });
    const t = store.issue(10);
    expect(store.check(t)).toEqual({ ok: true, remainingSeconds: 10 });
    clock.advance(2_500);
    expect(store.check(t)).toEqual({ ok: true, remainingSeconds: 7 });
    clock.advance(7_499);
    expect(store.check(t)).toEqual({ ok: true, remainingSeconds: 0 });
    clock.advance(1);
    expect(store.check(t)).toEqual({ ok: false });
    expect(store.check("not-a-token")).toEqual({ ok: false });
  });

  it("purges expired tokens from the count without a timer", () => {
    const clock = new ManualClock(0);
    const store = createTokenStore({ clock });
    store.issue(1);
    store.issue(5);
    expect(store.size()).toBe(2);
    clock.advance(1_000);
    expect(store.size()).toBe(1);
    clock.advance(4_000);
    expect(store.size()).toBe(0);
  });

  it("evicts the earliest-expiring token when full, breaking ties by age", () => {
    const clock = new ManualClock(0);
    const store = createTokenStore({ clock, maxTokens: 3 });
    const long = store.issue(100);
    const short = store.issue(10);
    const mid = store.issue(50);
    const fourth = store.issue(100);
    expect(store.size()).toBe(3);
    expect(store.check(short).ok).toBe(false);
    for (const t of [long, mid, fourth]) expect(store.check(t).ok).toBe(true);
    const fifth = store.issue(100);
    expect(store.check(mid).ok).toBe(false);
    const sixth = store.issue(100);
    // long and fourth expire together; long is older and goes first.
    expect(store.check(long).ok).toBe(false);
    for (const t of [fourth, fifth, sixth]) expect(store.check(t).ok).toBe(true);
  });

  it("prefers purging expired tokens to evicting live ones", () => {
    const clock = new ManualClock(0);
    const store = createTokenStore({ clock, maxTokens: 2 });
    const a = store.issue(1);
    const b = store.issue(100);
    clock.advance(1_000);
    const c = store.issue(50);
    expect(store.check(a).ok).toBe(false);
    expect(store.check(b).ok).toBe(true);
    expect(store.check(c).ok).toBe(true);
  });

  it("forgets everything on clear()", () => {
    const store = createTokenStore();
    const t = store.issue(60);
    store.clear();
    expect(store.check(t).ok).toBe(false);
    expect(store.size()).toBe(0);
  });

  it("refuses a cap that is not a positive integer", () => {
    expect(() => createTokenStore({ maxTokens: 0 })).toThrow(RangeError);
  });
});
