import { describe, expect, it } from "vitest";
import { RequestQuota, TokenBucket } from "../../../src/emulator/quota.js";

describe("CreateSession quota (token bucket)", () => {
  it("gives the burst at once, then the rate, and never more than burst + rate × elapsed", () => {
    const b = new TokenBucket(10);
    let granted = 0;
    for (let i = 0; i < 50; i++) if (b.take(0)) granted++;
    expect(granted).toBe(10);
    expect(b.take(50)).toBe(false); // half a token
    expect(b.waitMs(50)).toBe(50);
    expect(b.take(100)).toBe(true);
    let later = 0;
    for (let t = 110; t <= 1110; t += 10) if (b.take(t)) later++;
    expect(later).toBe(10);
    // Idle time refills up to the burst only.
    let afterIdle = 0;
    for (let i = 0; i < 50; i++) if (b.take(60_000)) afterIdle++;
    expect(afterIdle).toBe(10);
  });

  it("keeps one bucket per account and Region", () => {
    const q = new RequestQuota(1);
    expect(q.take("111111111111", "us-east-1", 0)).toBe(true);
    expect(q.take("111111111111", "us-east-1", 0)).toBe(false);
    expect(q.take("111111111111", "eu-west-1", 0)).toBe(true);
    expect(q.take("222222222222", "us-east-1", 0)).toBe(true);
  });
});
