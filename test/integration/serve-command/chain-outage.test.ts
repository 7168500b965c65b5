/**
 * serve with a two-hop chain when the second hop starts failing, in-process with
 * one ManualClock shared by the emulator, the pipeline, the refresher and the
 * handlers: the last good chained credentials keep being served, then only 503s
 * once the earliest expiration of the chain has passed, never expired
 * credentials; the chain recovers as a unit when the hop is allowed again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createAuthTokenSource } from "../../../src/outputs/serve/auth-token.js";
import { startServe, type RunningServe } from "../../../src/outputs/serve-runner.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { x509Source } from "../../../src/credentials/x509-source.js";
import { stsConfigForSession, withAssumeRoleHops } from "../../../src/credentials/hops.js";
import { resolveHops } from "../../../src/sources/assume-role/options.js";
import { containerCredentials, eventually, imdsCredentials, imdsToken, makePki, raw, type Pki, type RawResponse } from "./world.js";

const AUTH = "chain-outage-token-77a1";
const A = "arn:aws:iam::111122223333:role/central";
const B = "arn:aws:iam::444455556666:role/workload";
const C = "arn:aws:iam::777788889999:role/deploy";
const TRUST_C = { principals: [B] };

describe("serve with a role chain through a failure of the second hop", () => {
  const clock = new ManualClock(Date.now());
  const logs: string[] = [];
  let pki: Pki;
  let emu: RunningEmulator;
  let serve: RunningServe;

  const check = (r: RawResponse): RawResponse => {
    if (r.status === 200) {
      const b = JSON.parse(r.body) as { AccessKeyId: string; Expiration: string };
      expect(b.AccessKeyId).not.toBe("");
      expect(Date.parse(b.Expiration), "a 200 with expired credentials").toBeGreaterThan(clock.now());
    }
    return r;
  };

  beforeAll(async () => {
    pki = await makePki("serve-chain-outage-");
    emu = await startEmulator({
      clock,
      config: {
        accountId: "111122223333",
        trustAnchors: [{ name: "ta", certificates: [pki.root.certPem] }],
        profiles: [{ name: "p", roleArns: [A] }],
        roles: [
          { arn: B, trust: { principals: [A] } },
          { arn: C, trust: TRUST_C },
        ],
      },
    });
    const config = resolveSessionConfig(
      { trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: A, endpoint: emu.endpoint, maxAttempts: 1, timeoutMs: 5000 },
      {},
    );
    const hops = resolveHops([{ roleArn: B }, { roleArn: C, roleSessionName: "deployer", durationSeconds: 1800 }], { chainedFirst: true });
    const chain = withAssumeRoleHops(x509Source({ certificate: { path: pki.certPath }, privateKey: { path: pki.keyPath } }, config, { clock }), hops, stsConfigForSession(config, {}, emu.endpoint), { clock });
    serve = await startServe({
      fetch: chain.fetch,
      roleArn: C,
      accountId: "777788889999",
      port: 0,
      clock,
      authToken: createAuthTokenSource({ kind: "env", name: "T" }, { env: { T: AUTH } }),
      log: (l) => logs.push(l),
      refresher: { minRefreshIntervalMs: 0, backoff: { baseMs: 20, maxMs: 100 } },
    });
  });
  afterAll(async () => {
    await serve?.close();
    await emu?.close();
    pki?.cleanup();
  });

  it("keeps the last good chained credentials, answers 503 after their expiry, and recovers as a unit", async () => {
    const token = await imdsToken(serve.url);
    const first = check(await containerCredentials(serve.url, AUTH));
    expect(first.status).toBe(200);
    const good = JSON.parse(first.body) as { AccessKeyId: string; Expiration: string; RoleArn: string; AccountId: string };
    expect(good).toMatchObject({ RoleArn: C, AccountId: "777788889999" });
    // The earliest expiration of the chain: the 1800-second second hop.
    const expiresAt = Date.parse(good.Expiration);
    expect(expiresAt).toBe(Math.floor(clock.now() / 1000) * 1000 + 1800_000);
    expect(emu.audit.map((e) => `${e.operation}:${e.outcome}`)).toEqual(["CreateSession:success", "AssumeRole:success", "AssumeRole:success"]);

    // The second hop's role stops trusting the first: each refresh of the chain fails at hop 2.
    emu.state.setRoleTrust(C, { principals: ["arn:aws:iam::000000000000:root"] });
    await expect(serve.refresher.refreshNow()).rejects.toThrow(/^AssumeRole arn:aws:iam::777788889999:role\/deploy \(hop 2 of 2\) failed: AccessDenied/);
    await eventually(async () => (logs.some((l) => /refresh failed \(2 in a row\)/.test(l)) ? true : undefined), 10_000, "the loop to retry");
    const failed = emu.audit.filter((e) => e.operation === "AssumeRole" && e.outcome === "failure");
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => e.roleArn === C && e.errorCode === "AccessDenied")).toBe(true);

    clock.set(expiresAt - 60_000);
    for (const r of [await imdsCredentials(serve.url, token, "deploy"), await containerCredentials(serve.url, AUTH)]) {
      expect(check(r).status).toBe(200);
      expect((JSON.parse(r.body) as { AccessKeyId: string }).AccessKeyId).toBe(good.AccessKeyId);
    }
    expect((await raw(serve.url, "/readyz")).status).toBe(200);

    clock.set(expiresAt + 1000);
    for (let i = 0; i < 3; i++) {
      for (const r of [await imdsCredentials(serve.url, token, "deploy"), await containerCredentials(serve.url, AUTH)]) {
        expect(check(r).status).toBe(503);
        expect(JSON.parse(r.body)).toMatchObject({ Code: "CredentialsUnavailable" });
      }
    }
    expect((await raw(serve.url, "/readyz")).status).toBe(503);

    // Trusted again: the background loop alone gets a whole new chain (CreateSession, then both hops).
    const n = emu.audit.length;
    emu.state.setRoleTrust(C, TRUST_C);
    const back = await eventually(async () => {
      const r = check(await containerCredentials(serve.url, AUTH));
      return r.status === 200 ? r : undefined;
    }, 15_000, "a 200 after the hop was allowed again");
    expect((JSON.parse(back.body) as { AccessKeyId: string }).AccessKeyId).not.toBe(good.AccessKeyId);
    // A refresh already under way when the trust came back may have made its CreateSession and
    // first hop before `n`: the chain that answered is the last three entries of the whole log.
    expect(emu.audit.slice(n).map((e) => `${e.operation}:${e.outcome}`)).toContain("AssumeRole:success");
    const last = emu.audit.slice(-3).map((e) => `${e.operation}:${e.outcome}`);
    expect(last).toEqual(["CreateSession:success", "AssumeRole:success", "AssumeRole:success"]);
  });
});
