import { describe, expect, it } from "vitest";
import { CredentialStore } from "../../../src/emulator/credential-store.js";
import { assumeRole } from "../../../src/emulator/sts/assume-role.js";
import { principalMatches } from "../../../src/emulator/sts/trust.js";
import { resolveConfig } from "../../../src/emulator/config.js";
import type { EmulatorRole, MintedCredentials, RoleTrust } from "../../../src/emulator/types.js";
import { createRootCa } from "../../../src/pki/index.js";

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const A = "arn:aws:iam::111122223333:role/A";
const B = "arn:aws:iam::444455556666:role/B";
const C = "arn:aws:iam::777788889999:role/team/C";

function world(trustB: RoleTrust | undefined, trustC?: RoleTrust) {
  const store = new CredentialStore();
  const roles = new Map<string, EmulatorRole>([
    [B, { arn: B, maxSessionDuration: 43200, ...(trustB ? { trust: trustB } : {}) }],
    [C, { arn: C, maxSessionDuration: 3600, ...(trustC ? { trust: trustC } : {}) }],
  ]);
  const base = store.mint({ accountId: "111122223333", roleArn: A, roleSessionName: "s", durationSeconds: 3600, now: T0, sourceIdentity: "CN=client" });
  const run = (caller: MintedCredentials, p: Record<string, string>) =>
    assumeRole(new Map(Object.entries(p)), caller, { roles: (a) => roles.get(a), mint: (r) => store.mint(r), now: T0 });
  return { base, run };
}

const denied = (resource: string, action = "sts:AssumeRole") =>
  `User: arn:aws:sts::111122223333:assumed-role/A/s is not authorized to perform: ${action} on resource: ${resource}`;

describe("emulator STS: role trust", () => {
  it("matches principals as a trust policy does: account, root, role, session, wildcards", () => {
    const caller = { accountId: "111122223333", roleArn: A, assumedRoleArn: "arn:aws:sts::111122223333:assumed-role/A/s" };
    for (const p of ["*", "111122223333", "arn:aws:iam::111122223333:root", A, "arn:aws:sts::111122223333:assumed-role/A/s", "arn:aws:iam::111122223333:role/*", "arn:aws:sts::111122223333:assumed-role/A/?"]) {
      expect(principalMatches(p, caller), p).toBe(true);
    }
    for (const p of ["444455556666", "arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:role/Other", "arn:aws-cn:iam::111122223333:root", "arn:aws:sts::111122223333:assumed-role/A/t"]) {
      expect(principalMatches(p, caller), p).toBe(false);
    }
  });

  it("refuses an untrusted caller with STS's AccessDenied text", () => {
    const { base, run } = world({ principals: ["arn:aws:iam::111122223333:role/Other"] });
    const r = run(base, { RoleArn: B, RoleSessionName: "xx" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fault).toMatchObject({ status: 403, code: "AccessDenied", message: denied(B) });
  });

  it("requires the exact external id: wrong or missing both get AccessDenied; the audit says whether it matched", () => {
    const { base, run } = world({ principals: [A], externalId: "ext-42" });
    for (const p of [{}, { ExternalId: "ext-41" }] as Array<Record<string, string>>) {
      const r = run(base, { RoleArn: B, RoleSessionName: "xx", ...p });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.fault.message).toBe(denied(B));
        expect(r.audit?.externalIdMatch).toBe(false);
      }
    }
    const ok = run(base, { RoleArn: B, RoleSessionName: "xx", ExternalId: "ext-42" });
    expect(ok.ok && ok.audit.externalIdMatch).toBe(true);
  });

  it("caps a chained session at one hour with STS's ValidationError, after the role's maximum", () => {
    const { base, run } = world({ principals: ["*"] });
    const r = run(base, { RoleArn: B, RoleSessionName: "xx", DurationSeconds: "7200" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fault).toMatchObject({ status: 400, code: "ValidationError", message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." });
    const c = run(base, { RoleArn: C, RoleSessionName: "xx", DurationSeconds: "7200" });
    if (!c.ok) expect(c.fault.message).toBe("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  });

  it("carries transitive tags and the source identity to the next hop, and records tags for the audit", () => {
    const { base, run } = world({ principals: [A] }, { principals: [B], requiredTagKeys: ["team"], requireSourceIdentity: true });
    const first = run(base, {
      RoleArn: B, RoleSessionName: "hop1",
      "Tags.member.1.Key": "team", "Tags.member.1.Value": "core", "Tags.member.2.Key": "job", "Tags.member.2.Value": "42",
      "TransitiveTagKeys.member.1": "team",
    });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.credentials.sourceIdentity).toBe("CN=client");
    expect(first.audit).toMatchObject({ principal: "arn:aws:sts::111122223333:assumed-role/A/s", sessionTags: { team: "core", job: "42" }, transitiveTagKeys: ["team"] });
    const second = run(first.credentials, { RoleArn: C, RoleSessionName: "hop2", "Tags.member.1.Key": "stage", "Tags.member.1.Value": "2" });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.credentials.assumedRoleArn).toBe("arn:aws:sts::777788889999:assumed-role/C/hop2");
    expect(second.credentials.sourceIdentity).toBe("CN=client");
    expect(second.audit.sessionTags).toEqual({ team: "core", stage: "2" });
    expect(second.audit.transitiveTagKeys).toEqual(["team"]);
    // A transitive tag cannot be overridden, and a different source identity is refused.
    const override = run(first.credentials, { RoleArn: C, RoleSessionName: "hop2", "Tags.member.1.Key": "Team", "Tags.member.1.Value": "x" });
    expect(!override.ok && override.fault.code).toBe("ValidationError");
    const changed = run(first.credentials, { RoleArn: C, RoleSessionName: "hop2", SourceIdentity: "bob", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v" });
    expect(!changed.ok && changed.fault.message).toBe("SourceIdentity cannot be changed: the caller's session already has a source identity.");
  });

  it("refuses tags without sts:TagSession, a carried source identity without sts:SetSourceIdentity, and missing required tags", () => {
    const tag = { "Tags.member.1.Key": "k", "Tags.member.1.Value": "v" };
    const noTag = world({ principals: [A], allowTagSession: false });
    const r1 = noTag.run(noTag.base, { RoleArn: B, RoleSessionName: "xx", ...tag });
    expect(!r1.ok && r1.fault.message).toBe(denied(B, "sts:TagSession"));
    expect(noTag.run(noTag.base, { RoleArn: B, RoleSessionName: "xx" }).ok).toBe(true);
    const noSi = world({ principals: [A], allowSetSourceIdentity: false });
    const r2 = noSi.run(noSi.base, { RoleArn: B, RoleSessionName: "xx" });
    expect(!r2.ok && r2.fault.message).toBe(denied(B, "sts:SetSourceIdentity"));
    const req = world({ principals: [A], requiredTagKeys: ["CostCenter"] });
    const r3 = req.run(req.base, { RoleArn: B, RoleSessionName: "xx", ...tag });
    expect(!r3.ok && r3.fault.message).toBe(denied(B));
    expect(req.run(req.base, { RoleArn: B, RoleSessionName: "xx", "Tags.member.1.Key": "costcenter", "Tags.member.1.Value": "1" }).ok).toBe(true);
  });

  it("checks the session policy: JSON, and its packed size", () => {
    const { base, run } = world({ principals: ["*"] });
    const bad = run(base, { RoleArn: B, RoleSessionName: "xx", Policy: "{nope" });
    expect(!bad.ok && bad.fault).toMatchObject({ status: 400, code: "MalformedPolicyDocument", message: "The policy is not in the valid JSON format." });
    const big = run(base, { RoleArn: B, RoleSessionName: "xx", Policy: JSON.stringify({ Statement: [{ Resource: "x".repeat(2000) }] }), "Tags.member.1.Key": "k", "Tags.member.1.Value": "v".repeat(200) });
    expect(!big.ok && big.fault.code).toBe("PackedPolicyTooLarge");
    const ok = run(base, { RoleArn: B, RoleSessionName: "xx", Policy: '{"Version":"2012-10-17","Statement":[]}', "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    expect(ok.ok && ok.audit).toMatchObject({ policySize: 39, policyArnCount: 1 });
  });

  it("reads trust and cross-account roles from the config file, naming a bad key", async () => {
    const root = await createRootCa({ subject: "CN=TRUST CONFIG ROOT" });
    const cfg = (roles: unknown[]) => ({
      accountId: "111122223333",
      trustAnchors: [{ name: "ta", certificates: [root.certPem] }],
      profiles: [{ name: "p", roleArns: [A] }],
      roles,
    });
    const r = resolveConfig(cfg([{ arn: B, trust: { principals: [A], externalId: "ext-42", allowTagSession: false } }, { arn: C, maxSessionDuration: 3600, trust: { principals: ["arn:aws:iam::444455556666:role/*"] } }]), { baseDir: "/" });
    expect(r.roles.find((x) => x.arn === B)).toMatchObject({ accountId: "444455556666", trust: { principals: [A], externalId: "ext-42", allowTagSession: false } });
    expect(() => resolveConfig(cfg([{ arn: B, trust: { principals: [A], externalID: "x" } }]), { baseDir: "/" })).toThrow(
      "config: roles[0].trust.externalID: unknown key (allowed: principals, externalId, requireSourceIdentity, requiredTagKeys, allowTagSession, allowSetSourceIdentity)",
    );
    expect(() => resolveConfig(cfg([{ arn: B, trust: { principals: ["bob"] } }]), { baseDir: "/" })).toThrow(/^config: roles\[0\]\.trust\.principals\[0\]: must be \*, an account id/);
    expect(() => resolveConfig(cfg([{ arn: B, trust: { principals: [] } }]), { baseDir: "/" })).toThrow("config: roles[0].trust.principals: must have 1-100 entries");
    // A profile hands out roles of its own account only (Roles Anywhere's rule).
    expect(() => resolveConfig({ ...cfg([]), profiles: [{ name: "p", roleArns: [B] }] }, { baseDir: "/" })).toThrow("role account 444455556666 differs from accountId 111122223333");
  });
});
