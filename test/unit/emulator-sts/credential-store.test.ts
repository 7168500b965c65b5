import { describe, expect, it } from "vitest";
import { CredentialStore, roleIdFor } from "../../../src/emulator/credential-store.js";

const T0 = Date.UTC(2025, 4, 6, 12, 0, 0, 789);
const ROLE = "arn:aws:iam::123456789012:role/team/demo";
const req = { accountId: "123456789012", roleArn: ROLE, roleSessionName: "sess-1", durationSeconds: 900, now: T0 };

describe("CredentialStore", () => {
  it("mints credentials in the shapes STS uses", () => {
    const c = new CredentialStore().mint(req);
    expect(c.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(c.sessionToken).toMatch(/^[A-Za-z0-9+/]{200,}={0,2}$/);
    expect(c.expiration.toISOString()).toBe("2025-05-06T12:15:00.000Z");
    expect(c.assumedRoleArn).toBe("arn:aws:sts::123456789012:assumed-role/demo/sess-1");
    expect(c.assumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:sess-1$/);
    expect(c).toMatchObject({ accountId: "123456789012", roleArn: ROLE, roleSessionName: "sess-1" });
    expect(c.sourceIdentity).toBeUndefined();
  });

  it("derives the role id from the role ARN only, so it is stable across stores and sessions", () => {
    const a = new CredentialStore().mint(req);
    const b = new CredentialStore().mint({ ...req, roleSessionName: "other" });
    expect(a.assumedRoleId.split(":")[0]).toBe(b.assumedRoleId.split(":")[0]);
    expect(roleIdFor(ROLE)).not.toBe(roleIdFor("arn:aws:iam::123456789012:role/other"));
  });

  it("finds minted credentials by access key id and nothing else", () => {
    const store = new CredentialStore();
    const a = store.mint(req);
    const b = store.mint({ ...req, sourceIdentity: "CN=x" });
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.sessionToken).not.toBe(b.sessionToken);
    expect(store.get(a.accessKeyId)).toBe(a);
    expect(store.get(b.accessKeyId)?.sourceIdentity).toBe("CN=x");
    expect(store.get("ASIAAAAAAAAAAAAAAAAA")).toBeUndefined();
  });

  it("uses the injected random source and never reuses an access key id", () => {
    // Zeros for the first mint's three draws and for the second mint's first key id, which collides.
    let calls = 0;
    const fixed = (n: number) => Buffer.alloc(n, calls++ < 4 ? 0 : calls);
    const store = new CredentialStore({ random: fixed });
    const a = store.mint(req);
    expect(a.accessKeyId).toBe("ASIAAAAAAAAAAAAAAAAA");
    const b = store.mint(req);
    expect(b.accessKeyId).not.toBe(a.accessKeyId);
    expect(calls).toBe(4 + 3);
  });

  it("forgets credentials 15 minutes after they expired, when minting later", () => {
    const store = new CredentialStore();
    const old = store.mint(req);
    store.mint({ ...req, now: T0 + 900_000 + 10 * 60_000 });
    expect(store.get(old.accessKeyId)).toBe(old);
    store.mint({ ...req, now: T0 + 900_000 + 16 * 60_000 });
    expect(store.get(old.accessKeyId)).toBeUndefined();
  });

  it("stays bounded under 65,000 sessions: at most 50,000 kept, the oldest minted go first, and all go once expired", () => {
    // Cheap and unique: each call's bytes spell a counter in base 32 (one digit per byte).
    let n = 0;
    const random = (k: number) => {
      const b = Buffer.alloc(k);
      for (let i = 0, v = n++; i < 4; i++, v = Math.floor(v / 32)) b[i] = v % 32;
      return b;
    };
    const store = new CredentialStore({ random });
    const first = store.mint(req);
    for (let i = 1; i < 65_000; i++) store.mint(req);
    expect(store.size).toBe(50_000);
    expect(store.get(first.accessKeyId)).toBeUndefined();
    store.mint({ ...req, now: T0 + 900_000 + 16 * 60_000 });
    expect(store.size).toBe(1);
  });

  it("uses the role ARN's partition in the assumed-role ARN", () => {
    const c = new CredentialStore().mint({ ...req, roleArn: "arn:aws-cn:iam::123456789012:role/demo" });
    expect(c.assumedRoleArn).toBe("arn:aws-cn:sts::123456789012:assumed-role/demo/sess-1");
  });
});
