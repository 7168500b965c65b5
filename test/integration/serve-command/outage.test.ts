/**
 * serve through an outage of the service, in-process with one ManualClock shared
 * by the emulator, the fetcher, the refresher and the handlers: the last good
 * credentials keep being served, past their expiry only 503s, and the
 * background loop recovers by itself once the service is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { createAuthTokenSource } from "../../../src/outputs/serve/auth-token.js";
import { startServe } from "../../../src/outputs/serve-runner.js";
import type { RunningServe } from "../../../src/outputs/serve-runner.js";
import {
  containerCredentials,
  emulatorFor,
  eventually,
  fetcherFor,
  imdsCredentials,
  imdsToken,
  makePki,
  raw,
  ROLE_ARN,
  type Pki,
  type RawResponse,
} from "./world.js";

const AUTH = "outage-test-token-5d1c";

describe("serve through a service outage", () => {
  const clock = new ManualClock(Date.now());
  const logs: string[] = [];
  let pki: Pki;
  let emu: RunningEmulator;
  let emu2: RunningEmulator | undefined;
  let serve: RunningServe;
  const served: { status: number; accessKeyId?: string; secret?: string; token?: string; expiration?: number; at: number }[] = [];

  /** Records every credentials answer and checks the promise: a 200 is never empty or expired. */
  const record = (r: RawResponse, route: "imds" | "container"): RawResponse => {
    const at = clock.now();
    if (r.status === 200) {
      const b = JSON.parse(r.body) as { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string };
      const exp = Date.parse(b.Expiration);
      served.push({ status: 200, accessKeyId: b.AccessKeyId, secret: b.SecretAccessKey, token: b.Token, expiration: exp, at });
      expect(b.AccessKeyId, `${route} 200 with an empty AccessKeyId`).not.toBe("");
      expect(b.SecretAccessKey).not.toBe("");
      expect(b.Token).not.toBe("");
      expect(exp, `${route} 200 with expired credentials`).toBeGreaterThan(at);
    } else {
      served.push({ status: r.status, at });
    }
    return r;
  };
  const both = async (token: string) => [
    record(await imdsCredentials(serve.url, token), "imds"),
    record(await containerCredentials(serve.url, AUTH), "container"),
  ];

  beforeAll(async () => {
    pki = await makePki("serve-outage-");
    emu = await emulatorFor(pki, { clock });
    serve = await startServe({
      fetch: fetcherFor(pki, emu, { clock }),
      roleArn: ROLE_ARN,
      port: 0,
      clock,
      authToken: createAuthTokenSource({ kind: "env", name: "T" }, { env: { T: AUTH } }),
      log: (l) => logs.push(l),
      // Failed refreshes are retried within ~100 ms of real time, so the test waits on the loop, not on a timer.
      refresher: { minRefreshIntervalMs: 0, backoff: { baseMs: 20, maxMs: 100 } },
    });
  });
  afterAll(async () => {
    await serve?.close();
    await emu2?.close();
    await emu?.close();
    pki?.cleanup();
  });

  it("keeps the last good credentials while the service is down, answers 503 once they expire, and recovers", async () => {
    const token = await imdsToken(serve.url);
    const [first] = await both(token);
    expect(first!.status).toBe(200);
    const good = JSON.parse(first!.body) as { AccessKeyId: string; Expiration: string };
    const expiresAt = Date.parse(good.Expiration);
    expect(emu.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success")).toHaveLength(1);

    // The service goes away; a refresh fails; the last good credentials are still served.
    await emu.close();
    await expect(serve.refresher.refreshNow()).rejects.toThrow(/CreateSession|connect|refused/i);
    await eventually(async () => (logs.some((l) => /refresh failed \(2 in a row\)/.test(l)) ? true : undefined), 10_000, "the loop to retry");
    clock.set(expiresAt - 60_000);
    for (const r of await both(token)) {
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { AccessKeyId: string }).AccessKeyId).toBe(good.AccessKeyId);
    }
    expect((await raw(serve.url, "/readyz")).status).toBe(200);
    expect(logs.some((l) => /^serve: still serving the previous credentials until /.test(l))).toBe(true);

    // Past the expiry: nothing valid is held, so only 503s with a JSON body.
    clock.set(expiresAt + 1000);
    for (let i = 0; i < 3; i++) {
      for (const r of await both(token)) {
        expect(r.status).toBe(503);
        expect(JSON.parse(r.body)).toMatchObject({ Code: "CredentialsUnavailable" });
      }
    }
    const ready = await raw(serve.url, "/readyz");
    expect(ready.status).toBe(503);
    expect((await raw(serve.url, "/healthz")).status).toBe(200);

    // The service comes back on the same port: the background loop alone gets new credentials.
    emu2 = await emulatorFor(pki, { clock, port: emu.port });
    expect(emu2.trustAnchorArn).toBe(emu.trustAnchorArn);
    const back = await eventually(async () => {
      const r = record(await imdsCredentials(serve.url, token), "imds");
      return r.status === 200 ? r : undefined;
    }, 15_000, "a 200 after the service returned");
    const fresh = JSON.parse(back.body) as { AccessKeyId: string; Expiration: string };
    expect(fresh.AccessKeyId).not.toBe(good.AccessKeyId);
    expect(Date.parse(fresh.Expiration)).toBeGreaterThan(clock.now() + 5 * 60_000);
    expect(record(await containerCredentials(serve.url, AUTH), "container").status).toBe(200);
    expect((await raw(serve.url, "/readyz")).status).toBe(200);
    expect(emu2.audit.filter((e) => e.operation === "CreateSession" && e.outcome === "success")).toHaveLength(1);

    // Every answer of the whole run was a full, unexpired credential or a 503.
    expect(served.every((s) => s.status === 200 || s.status === 503)).toBe(true);
    expect(served.filter((s) => s.status === 503).length).toBeGreaterThanOrEqual(6);

    // The log tells the story and carries no secret.
    const text = logs.join("\n");
    expect(text).toMatch(/serve: credentials refreshed: access key /);
    for (const s of served) {
      if (s.secret) expect(text).not.toContain(s.secret);
      if (s.token) expect(text).not.toContain(s.token);
    }
    expect(text).not.toContain(AUTH);
  });
});
