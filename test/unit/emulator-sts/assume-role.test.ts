import { describe, expect, it } from "vitest";
import { CredentialStore } from "../../../src/emulator/credential-store.js";
import { assumeRole, assumeRoleResult } from "../../../src/emulator/sts/assume-role.js";
import type { EmulatorRole } from "../../../src/emulator/types.js";
import { stsResult } from "../../../src/emulator/sts/xml.js";

const T0 = Date.UTC(2025, 4, 6, 12, 0, 0);
const CALLER_ROLE = "arn:aws:iam::123456789012:role/demo";
const TARGET = "arn:aws:iam::210987654321:role/path/target";
const roles = new Map<string, EmulatorRole>([
  [CALLER_ROLE, { arn: CALLER_ROLE, maxSessionDuration: 3600 }],
  [TARGET, { arn: TARGET, maxSessionDuration: 7200 }],
  ["arn:aws:iam::123456789012:role/short", { arn: "arn:aws:iam::123456789012:role/short", maxSessionDuration: 1800 }],
]);

function setup(sourceIdentity?: string) {
  const store = new CredentialStore();
  const caller = store.mint({ accountId: "123456789012", roleArn: CALLER_ROLE, roleSessionName: "s", durationSeconds: 3600, now: T0,
    ...(sourceIdentity ? { sourceIdentity } : {}) });
  const run = (p: Record<string, string>) =>
    assumeRole(new Map(Object.entries(p)), caller, { roles: (a) => roles.get(a), mint: (r) => store.mint(r), now: T0 });
  return { store, caller, run };
}

function faultOf(r: ReturnType<ReturnType<typeof setup>["run"]>) {
  if (r.ok) throw new Error("expected a fault");
  return r.fault;
}

describe("STS AssumeRole", () => {
  it("mints credentials for the target role, in the target's account, for one hour by default", () => {
    const { store, run } = setup();
    const r = run({ RoleArn: TARGET, RoleSessionName: "chained" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.credentials.assumedRoleArn).toBe("arn:aws:sts::210987654321:assumed-role/target/chained");
    expect(r.credentials.accountId).toBe("210987654321");
    expect(r.credentials.expiration.getTime()).toBe(T0 + 3600_000);
    expect(store.get(r.credentials.accessKeyId)).toBe(r.credentials);
  });

  it("honours DurationSeconds within 900..3600 for chained roles", () => {
    const r = setup().run({ RoleArn: TARGET, RoleSessionName: "s2", DurationSeconds: "900" });
    expect(r.ok && r.credentials.expiration.getTime()).toBe(T0 + 900_000);
  });

  it("refuses unknown roles with AccessDenied naming the caller and the role", () => {
    const f = faultOf(setup().run({ RoleArn: "arn:aws:iam::123456789012:role/nope", RoleSessionName: "s2" }));
    expect(f).toMatchObject({ status: 403, code: "AccessDenied",
      message: "User: arn:aws:sts::123456789012:assumed-role/demo/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope" });
  });

  it("reports every parameter validation error like STS", () => {
    const { run } = setup();
    expect(faultOf(run({ RoleSessionName: "s" }))).toMatchObject({ status: 400, code: "ValidationError",
      message: "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
        "Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2" });
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "bad name" })).message).toBe(
      "1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "x".repeat(65) })).message).toMatch(/Member must have length less than or equal to 64$/);
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "ok", DurationSeconds: "899" })).message).toBe(
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "ok", DurationSeconds: "43201" })).message).toMatch(/less than or equal to 43200$/);
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "ok", DurationSeconds: "1e3" })).code).toBe("ValidationError");
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "ok", SourceIdentity: "a/b" })).message).toMatch(/at 'sourceIdentity'/);
  });

  it("caps the duration at the role's MaxSessionDuration, then at one hour for role chaining", () => {
    const { run } = setup();
    expect(faultOf(run({ RoleArn: "arn:aws:iam::123456789012:role/short", RoleSessionName: "ok", DurationSeconds: "2000" })))
      .toMatchObject({ code: "ValidationError", message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." });
    expect(faultOf(run({ RoleArn: TARGET, RoleSessionName: "ok", DurationSeconds: "3601" })))
      .toMatchObject({ code: "ValidationError", message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." });
  });

  it("sets a source identity, keeps the caller's, and refuses to change it", () => {
    const set = setup().run({ RoleArn: TARGET, RoleSessionName: "ok", SourceIdentity: "alice@example.com" });
    expect(set.ok && set.credentials.sourceIdentity).toBe("alice@example.com");
    const kept = setup("CN=dev").run({ RoleArn: TARGET, RoleSessionName: "ok" });
    expect(kept.ok && kept.credentials.sourceIdentity).toBe("CN=dev");
    expect(faultOf(setup("CN=dev").run({ RoleArn: TARGET, RoleSessionName: "ok", SourceIdentity: "bob" })).code).toBe("ValidationError");
  });

  it("renders the AssumeRoleResult with second-precision Expiration", () => {
    const r = setup("abc").run({ RoleArn: TARGET, RoleSessionName: "ok" });
    if (!r.ok) throw new Error("expected success");
    const xml = stsResult("AssumeRole", assumeRoleResult(r.credentials), "req-1");
    expect(xml).toContain('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(xml).toContain("<Expiration>2025-05-06T13:00:00Z</Expiration>");
    expect(xml).toContain("<SourceIdentity>abc</SourceIdentity>");
    expect(xml).toContain(`<AssumedRoleId>${r.credentials.assumedRoleId}</AssumedRoleId>`);
    expect(xml).toMatch(/<ResponseMetadata>\s*<RequestId>req-1<\/RequestId>\s*<\/ResponseMetadata>/);
  });
});
