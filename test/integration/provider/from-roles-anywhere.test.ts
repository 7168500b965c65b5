/**
 * fromRolesAnywhere() against the emulator on 127.0.0.1: a real STSClient call,
 * single flight counted in the emulator's audit log, refresh ahead of expiry on
 * a clock shared by the emulator and the provider, rotation of the certificate
 * and key files, and the errors an SDK credential chain must stop at.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { chain, CredentialsProviderError } from "@smithy/property-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { fromRolesAnywhere, type FromRolesAnywhereInit } from "../../../src/provider/index.js";
import { cleanEnv, createSessions, emulatorFor, identityFiles, makePki, type IdentityFiles, type TestPki } from "./support.js";

const MINUTE = 60_000;

let pki: TestPki;
let client: IssuedCertificate;
let emu: RunningEmulator;
let files: IdentityFiles;

beforeAll(async () => {
  pki = await makePki();
  client = await pki.issue();
  emu = await emulatorFor(pki.root);
  files = identityFiles(client);
});
afterAll(async () => {
  await emu?.close();
  files?.remove();
});

/** Collects warnings instead of printing them. */
function capture() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (m: string) => void warnings.push(m) } };
}

/** Init for `e`, reading the identity files; no env from the machine. */
function initFor(e: RunningEmulator, extra: Partial<FromRolesAnywhereInit> = {}): FromRolesAnywhereInit {
  return {
    certificate: { path: files.certPath },
    privateKey: { path: files.keyPath },
    trustAnchorArn: e.trustAnchorArn,
    profileArn: e.profileArn,
    roleArn: e.roleArn,
    endpoint: e.endpoint,
    env: cleanEnv(),
    logger: capture().logger,
    ...extra,
  };
}

/** The rejection of `p`; fails the test when `p` resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

describe("fromRolesAnywhere with @aws-sdk/client-sts", () => {
  it("signs GetCallerIdentity with credentials from CreateSession and gets the assumed-role ARN", async () => {
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: emu.endpoint,
      maxAttempts: 1,
      credentials: fromRolesAnywhere(initFor(emu, { roleSessionName: "sdk-provider" })),
    });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    const roleName = emu.roleArn.slice(emu.roleArn.lastIndexOf("/") + 1);
    expect(out.Arn).toBe(`arn:aws:sts::${emu.accountId}:assumed-role/${roleName}/sdk-provider`);
    expect(out.Account).toBe(emu.accountId);
    sts.destroy();
  });

  it("returns an identity with accessKeyId, secretAccessKey, sessionToken, expiration and accountId", async () => {
    const id = await fromRolesAnywhere(initFor(emu, { durationSeconds: 1800 }))();
    expect(id.accessKeyId).toMatch(/^ASIA/);
    expect(id.secretAccessKey.length).toBeGreaterThan(20);
    expect(id.sessionToken.length).toBeGreaterThan(20);
    expect(id.accountId).toBe(emu.accountId);
    expect(id.expiration).toBeInstanceOf(Date);
    expect(Math.abs(id.expiration.getTime() - (Date.now() + 1800_000))).toBeLessThan(5000);
    const last = createSessions(emu.audit).at(-1)!;
    expect(last.outcome).toBe("success");
    expect(last.accessKeyId).toBe(id.accessKeyId);
    expect(last.serial).toBe(client.serialDecimal);
  });
});

describe("fromRolesAnywhere caching", () => {
  it("makes one CreateSession for 300 concurrent callers", async () => {
    const before = emu.audit.length;
    const provider = fromRolesAnywhere(initFor(emu));
    const ids = await Promise.all(Array.from({ length: 300 }, () => provider()));
    expect(createSessions(emu.audit, before)).toHaveLength(1);
    expect(new Set(ids.map((i) => i.accessKeyId)).size).toBe(1);
    // Warm: more calls, still one CreateSession, and the same identity object.
    const again = await Promise.all(Array.from({ length: 300 }, () => provider()));
    expect(createSessions(emu.audit, before)).toHaveLength(1);
    expect(again.every((i) => i === ids[0])).toBe(true);
  });

  it("refreshes ahead of expiry on an injected clock shared with the emulator", async () => {
    const clock = new ManualClock(Date.now());
    const local = await emulatorFor(pki.root, { clock });
    try {
      const provider = fromRolesAnywhere(initFor(local, { clock, durationSeconds: 3600 }));
      const first = await provider();
      expect(first.expiration.getTime()).toBe(Math.floor((clock.now() + 3600_000) / 1000) * 1000);
      expect(createSessions(local.audit)).toHaveLength(1);

      clock.advance(40 * MINUTE); // 20 min left: fresh (the stale window is 6-15 min before expiry)
      expect(await provider()).toBe(first);
      expect(createSessions(local.audit)).toHaveLength(1);

      clock.set(first.expiration.getTime() - 5 * MINUTE); // inside the stale window
      const second = await provider();
      expect(createSessions(local.audit)).toHaveLength(2);
      expect(second.accessKeyId).not.toBe(first.accessKeyId);
      expect(second.expiration.getTime()).toBeGreaterThan(first.expiration.getTime());
      expect(await provider()).toBe(second);
      expect(createSessions(local.audit)).toHaveLength(2);
    } finally {
      await local.close();
    }
  });

  it("makes a new CreateSession at once when called with forceRefresh", async () => {
    const before = emu.audit.length;
    const provider = fromRolesAnywhere(initFor(emu));
    const a = await provider();
    const b = await provider({ forceRefresh: true });
    expect(createSessions(emu.audit, before)).toHaveLength(2);
    expect(b.accessKeyId).not.toBe(a.accessKeyId);
    expect(await provider()).toBe(b);
  });

  it("keeps the previous credentials, with a warning, when a refresh fails before they expire", async () => {
    const clock = new ManualClock(Date.now());
    const local = await emulatorFor(pki.root, { clock });
    const { warnings, logger } = capture();
    const provider = fromRolesAnywhere(initFor(local, { clock, logger, maxAttempts: 1 }));
    const first = await provider();
    await local.close(); // outage
    clock.set(first.expiration.getTime() - 5 * MINUTE);
    const during = await provider();
    expect(during.accessKeyId).toBe(first.accessKeyId);
    expect(warnings.join("\n")).toMatch(/refreshing credentials failed: .*; using the previous credentials, valid until /);
  });
});

describe("fromRolesAnywhere identity rotation", () => {
  it("uses the new certificate and key files at the next refresh", async () => {
    const clock = new ManualClock(Date.now());
    const local = await emulatorFor(pki.root, { clock });
    const own = identityFiles(await pki.issue("rotating-before"), "provider-rot-");
    try {
      const provider = fromRolesAnywhere({ ...initFor(local, { clock }), certificate: { path: own.certPath }, privateKey: { path: own.keyPath } });
      const first = await provider();
      const oldSerial = createSessions(local.audit).at(-1)!.serial;

      const rotated = await pki.issue("rotating-after");
      expect(rotated.serialDecimal).not.toBe(oldSerial);
      own.install(rotated);
      expect(await provider()).toBe(first); // still fresh: no CreateSession yet

      clock.set(first.expiration.getTime() - 5 * MINUTE);
      await provider();
      const sessions = createSessions(local.audit);
      expect(sessions.map((s) => s.serial)).toEqual([oldSerial, rotated.serialDecimal]);
      expect(sessions.every((s) => s.outcome === "success")).toBe(true);
      expect(sessions[1]!.subject).toContain("rotating-after");
    } finally {
      own.remove();
      await local.close();
    }
  });

  it("calls async certificate and key functions again at each refresh", async () => {
    let current = await pki.issue("callback-one");
    let calls = 0;
    const before = emu.audit.length;
    const provider = fromRolesAnywhere({
      ...initFor(emu),
      certificate: async () => {
        calls++;
        return current.certPem;
      },
      privateKey: async () => Buffer.from(current.keyPem),
    });
    await provider();
    current = await pki.issue("callback-two");
    await provider({ forceRefresh: true });
    expect(calls).toBe(2);
    expect(createSessions(emu.audit, before).map((s) => s.subject?.includes("callback-two"))).toEqual([false, true]);
  });

  it("decrypts an encrypted PKCS#8 key with a passphrase from an async function", async () => {
    const encrypted = client.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "correct horse" }) as string;
    expect(encrypted).toContain("ENCRYPTED PRIVATE KEY");
    const good = await fromRolesAnywhere({ ...initFor(emu), privateKey: encrypted, passphrase: async () => "correct horse" })();
    expect(good.accessKeyId).toMatch(/^ASIA/);
    const err = await rejection(fromRolesAnywhere({ ...initFor(emu), privateKey: encrypted, passphrase: async () => "not-the-Passw0rd-123" })());
    expect(isStopError(err)).toBe(true);
    expect(((err as Error).cause as { code?: string }).code).toBe("KEY_DECRYPT");
    expect((err as Error).message).not.toContain("not-the-Passw0rd-123");
  });

  it("accepts the identity as PEM strings and Buffers", async () => {
    const id = await fromRolesAnywhere({ ...initFor(emu), certificate: client.certPem, privateKey: Buffer.from(client.keyPem) })();
    expect(id.accessKeyId).toMatch(/^ASIA/);
  });
});

describe("fromRolesAnywhere errors", () => {
  const isStop = (err: unknown): err is CredentialsProviderError =>
    err instanceof CredentialsProviderError && err.tryNextLink === false && err.name === "CredentialsProviderError";

  it("fails with CredentialsProviderError (tryNextLink false) naming a missing certificate file", async () => {
    const before = emu.audit.length;
    const err = await rejection(fromRolesAnywhere({ ...initFor(emu), certificate: { path: "/nonexistent/cert.pem" } })());
    expect(isStop(err)).toBe(true);
    expect((err as Error).message).toMatch(/^fromRolesAnywhere: .*\/nonexistent\/cert\.pem.*no such file/);
    expect(((err as Error).cause as { code?: string }).code).toBe("SOURCE_NOT_FOUND");
    expect(emu.audit.length).toBe(before); // nothing was sent
  });

  it("fails with CredentialsProviderError (tryNextLink false) showing the expected ARN pattern", async () => {
    const err = await rejection(fromRolesAnywhere({ ...initFor(emu), trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123:ta" })());
    expect(isStop(err)).toBe(true);
    expect((err as Error).message).toBe(
      "fromRolesAnywhere: trustAnchorArn: expected arn:<partition>:rolesanywhere:<region>:<account>:trust-anchor/<id>, got 'arn:aws:rolesanywhere:us-east-1:123:ta'" +
        " (hint: copy the ARN from the IAM Roles Anywhere console or from 'aws rolesanywhere list-trust-anchors' / 'list-profiles' / 'aws iam get-role')",
    );
    expect(((err as Error).cause as { code?: string }).code).toBe("INVALID_ARN");
    // The setting travels as data: the library names it by its option, the CLI by its flag.
    expect(((err as Error).cause as { setting?: string }).setting).toBe("trustAnchorArn");
  });

  it("wraps a service refusal the same way", async () => {
    const err = await rejection(fromRolesAnywhere(initFor(emu, { roleArn: `arn:aws:iam::${emu.accountId}:role/not-in-profile` }))());
    expect(isStop(err)).toBe(true);
    expect((err as Error).message).toMatch(/^fromRolesAnywhere: .*AccessDeniedException/);
  });

  it("stops an SDK credential chain instead of falling through to the next provider", async () => {
    const fallback = async () => ({ accessKeyId: "AKIAFALLBACK", secretAccessKey: "fallback" });
    const broken = fromRolesAnywhere({ ...initFor(emu), privateKey: { path: "/nonexistent/key.pem" } });
    const err = await rejection(chain(broken, fallback)());
    expect(isStop(err)).toBe(true);
    // The same chain does fall through for an error that allows it, so the check above can fail.
    const soft = async () => {
      throw new CredentialsProviderError("not configured", { tryNextLink: true });
    };
    expect((await chain(soft, fallback)()).accessKeyId).toBe("AKIAFALLBACK");
  });

  it("tries the configuration again on the next call once it is fixed", async () => {
    const own = identityFiles(client, "provider-late-");
    const certPath = `${own.dir}/late-cert.pem`;
    const provider = fromRolesAnywhere({ ...initFor(emu), certificate: { path: certPath }, privateKey: { path: own.keyPath }, minRefreshIntervalMs: 0 });
    try {
      expect(isStop(await rejection(provider()))).toBe(true);
      const { copyFileSync } = await import("node:fs");
      copyFileSync(own.certPath, certPath);
      expect((await provider()).accessKeyId).toMatch(/^ASIA/);
    } finally {
      own.remove();
    }
  });
});

describe("fromRolesAnywhere certificate expiry", () => {
  it("warns once per certificate with the credential commands' message when it expires within 30 days", async () => {
    const soon = await issueClientCertificate(pki.root, { subject: "CN=expires-soon", notAfter: new Date(Date.now() + 10 * 86_400_000 + 3_600_000) });
    const { warnings, logger } = capture();
    const provider = fromRolesAnywhere(initFor(emu, { certificate: soon.certPem, privateKey: soon.keyPem, logger, minRefreshIntervalMs: 0 }));
    expect((await provider()).accessKeyId).toMatch(/^ASIA/);
    await provider({ forceRefresh: true });
    expect(warnings).toEqual([
      `fromRolesAnywhere: warning: certificate serial ${soon.serialDecimal} expires soon: 10 days left (notAfter ${new Date(soon.x509.validTo).toISOString().replace(/\.\d{3}Z$/, "Z")}); renew it`,
    ]);
  });
});

describe("fromRolesAnywhere region", () => {
  it("uses the trust anchor ARN's region by default, without a warning", async () => {
    const { warnings, logger } = capture();
    await fromRolesAnywhere(initFor(emu, { logger }))();
    expect(warnings).toEqual([]);
  });

  it("takes AWS_REGION over the ARN's region and warns that AWS_REGION wins", async () => {
    const { warnings, logger } = capture();
    const before = emu.audit.length;
    const err = await rejection(fromRolesAnywhere(initFor(emu, { logger, env: cleanEnv({ AWS_REGION: "eu-west-1" }) }))());
    expect(warnings).toEqual([
      "fromRolesAnywhere: warning: region eu-west-1 from AWS_REGION differs from the trust anchor ARN's region us-east-1; AWS_REGION wins " +
        "(CreateSession goes to eu-west-1, where the trust anchor must exist); set the region option or unset AWS_REGION to use us-east-1",
    ]);
    // The request really was signed for eu-west-1: the emulator (us-east-1) refused the scope.
    expect(isStopError(err)).toBe(true);
    expect(createSessions(emu.audit, before)[0]?.reason).toMatch(/region eu-west-1/);
  });

  it("takes the region option over AWS_REGION", async () => {
    const { warnings, logger } = capture();
    const id = await fromRolesAnywhere(initFor(emu, { logger, region: "us-east-1", env: cleanEnv({ AWS_REGION: "eu-west-1" }) }))();
    expect(id.accessKeyId).toMatch(/^ASIA/);
    expect(warnings).toEqual([]);
  });

  it("names AWS_REGION when its value is not a region", async () => {
    const err = await rejection(fromRolesAnywhere(initFor(emu, { env: cleanEnv({ AWS_REGION: "Not A Region" }) }))());
    expect((err as Error).message).toMatch(/^fromRolesAnywhere: AWS_REGION: expected a region name such as us-east-1, got 'Not A Region'/);
  });
});

function isStopError(err: unknown): boolean {
  return err instanceof CredentialsProviderError && err.tryNextLink === false;
}
