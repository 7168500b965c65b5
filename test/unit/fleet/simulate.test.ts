import { describe, expect, it } from "vitest";
import { fleetChartSvg, simulateFleet } from "../../../src/fleet/simulate.js";

describe("fleet simulation (virtual time)", () => {
  it("a synchronized start of 100 workloads gets through a 10 TPS quota with no failed fetch, never above the bucket", async () => {
    const r = await simulateFleet({ workloads: 100, tps: 10, sessionDurationSeconds: 3600, bucketSeconds: 1 });
    expect(r.failedFetches).toBe(0);
    expect(r.throttledCalls).toBeGreaterThan(0);
    // 10 at once (the burst), then 10 a second: at least 9 seconds for 100.
    expect(r.secondsUntilAllCredentialed).toBeGreaterThanOrEqual(9);
    expect(r.secondsUntilAllCredentialed).toBeLessThan(60);
    // The bucket: never more than burst + rate in one calendar second.
    expect(r.peakCreateSessionPerSecond).toBeLessThanOrEqual(20);
    expect(Math.max(...r.series.createSessionPerSecond)).toBeLessThanOrEqual(20);
    // Steady state: one refresh per workload per (lifetime − 6..15 minutes).
    expect(r.createSessionPerHourSteady).toBeGreaterThanOrEqual(100);
    expect(r.createSessionPerHourSteady).toBeLessThanOrEqual(150);
    expect(r.secondsWithoutCredentials).toBe(0);
    expect(r.simulatedSeconds).toBe(3 * 3600);
  });

  it("is deterministic for a seed", async () => {
    const a = await simulateFleet({ workloads: 50, tps: 5, sessionDurationSeconds: 900, seed: 7 });
    const b = await simulateFleet({ workloads: 50, tps: 5, sessionDurationSeconds: 900, seed: 7 });
    expect(b).toEqual(a);
  });

  it("after every workload restarts at once, the cache answers: no burst of CreateSession", async () => {
    const r = await simulateFleet({ workloads: 200, tps: 10, sessionDurationSeconds: 3600, restartAtSeconds: 5400, bucketSeconds: 60 });
    // Entries with more than 15 minutes left are reused; the refresher renewed them 6-15 minutes before expiry.
    expect(r.cacheHits).toBeGreaterThanOrEqual(190);
    expect(r.secondsUntilAllCredentialedAfterRestart).toBeLessThan(5);
    expect(r.failedFetches).toBe(0);
    const atRestart = r.series.t.indexOf(5400);
    expect(r.series.createSessionPerSecond[atRestart]).toBeLessThan(1);
  });

  it("draws the chart with the quota line", async () => {
    const r = await simulateFleet({ workloads: 20, tps: 10, sessionDurationSeconds: 900 });
    const svg = fleetChartSvg(r);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("quota 10/s");
    expect(svg).toContain("20 workloads, 10 TPS quota, 900 s sessions");
  });
});
