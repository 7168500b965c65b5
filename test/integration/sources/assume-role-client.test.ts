import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Secret } from "../../../src/secret.js";
import type { Credentials } from "../../../src/credentials/types.js";
import { applyHops, assumeRole, type HopContext } from "../../../src/sources/assume-role/assume-role.js";
import { resolveHops } from "../../../src/sources/assume-role/options.js";
import { resolveStsEndpoint } from "../../../src/sources/sts/endpoint.js";
import { StsError } from "../../../src/errors.js";
import { startStsServer, TARGET_ROLE_ARN, type StsTestServer } from "../emulator-sts/sts-server.js";

let srv: StsTestServer;
beforeAll(async () => { srv = await startStsServer(); });
afterAll(async () => { await srv.close(); });

const ctx = (): HopContext => ({
  sts: {
    endpoint: resolveStsEndpoint({ region: "us-east-1", endpoint: srv.endpoint }),
    tls: { rejectUnauthorized: true },
    proxy: { httpProxy: new Secret(""), httpsProxy: new Secret(""), noProxy: "" },
    timeoutMs: 5000,
    maxAttempts: 1,
  },
  clock: srv.clock,
});

function base(): Credentials {
  const m = srv.mint({ sessionName: "base" });
  return {
    accessKeyId: m.accessKeyId, secretAccessKey: new Secret(m.secretAccessKey), sessionToken: new Secret(m.sessionToken),
    expiration: m.expiration, expirationRaw: m.expiration.toISOString(), accountId: m.accountId, roleArn: m.roleArn,
  };
}

describe("AssumeRole client against the emulator's STS (SigV4 by @smithy/signature-v4, verified by the emulator's own code)", () => {
  it("assumes the role with the base credentials and reads the answer", async () => {
    const [hop] = resolveHops([{ roleArn: TARGET_ROLE_ARN, roleSessionName: "hop1", sourceIdentity: "alice" }], { chainedFirst: true });
    const creds = await assumeRole(hop!, base(), ctx());
    expect(creds.assumedRoleArn).toBe("arn:aws:sts::123456789012:assumed-role/target/hop1");
    expect(creds.roleArn).toBe(TARGET_ROLE_ARN);
    expect(creds.accountId).toBe("123456789012");
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(String(creds.secretAccessKey)).toBe("[redacted]");
    expect(srv.audit.at(-1)).toMatchObject({ operation: "AssumeRole", outcome: "success", roleArn: TARGET_ROLE_ARN, sourceIdentity: "alice" });
  });

  it("chains hops, each signed with the previous one's credentials, and hands out the earliest expiration", async () => {
    const b = base();
    const hops = resolveHops([{ roleArn: TARGET_ROLE_ARN, roleSessionName: "h1" }, { roleArn: TARGET_ROLE_ARN, roleSessionName: "h2", durationSeconds: 900 }], { chainedFirst: true });
    const before = srv.audit.length;
    const c = await applyHops(b, hops, ctx());
    const calls = srv.audit.slice(before);
    expect(calls.map((e) => e.operation)).toEqual(["AssumeRole", "AssumeRole"]);
    expect(calls[1]!.accessKeyId).not.toBe(b.accessKeyId);
    expect(calls[0]!.accessKeyId).toBe(b.accessKeyId);
    expect(c.assumedRoleArn).toBe("arn:aws:sts::123456789012:assumed-role/target/h2");
    // The 900-second hop expires first.
    expect(c.expiration.getTime()).toBe(Math.floor(srv.clock.now() / 1000) * 1000 + 900_000);
  });

  it("maps an STS refusal to one line with a hint", async () => {
    const [hop] = resolveHops([{ roleArn: "arn:aws:iam::444455556666:role/unknown" }], { chainedFirst: true });
    const err = await assumeRole(hop!, base(), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StsError);
    expect((err as StsError).message).toMatch(
      /^AssumeRole arn:aws:iam::444455556666:role\/unknown failed: AccessDenied: User: arn:aws:sts::123456789012:assumed-role\/demo\/base is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444455556666:role\/unknown \(HTTP 403, request id [0-9a-f-]{36}\)$/,
    );
    expect((err as StsError).hint).toMatch(/trust policy/);
  });

  it("reports a connection failure with the STS URL", async () => {
    const c = ctx();
    const err = await assumeRole(resolveHops([{ roleArn: TARGET_ROLE_ARN }], { chainedFirst: true })[0]!, base(), {
      ...c, sts: { ...c.sts, endpoint: resolveStsEndpoint({ region: "us-east-1", endpoint: "http://127.0.0.1:9" }) },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^AssumeRole arn:aws:iam::123456789012:role\/target failed: cannot connect to http:\/\/127\.0\.0\.1:9\/: .*\(ECONNREFUSED\)$/);
    expect((err as StsError).code).toBe("NETWORK");
  });
});
