import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { loadConfigFile, quickConfig, resolveConfig, type EmulatorConfig } from "../../../src/emulator/config.js";
import { rolesAnywhereArn } from "../../../src/emulator/arn.js";
import { createCrl, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { errorOf as thrownBy } from "../../helpers/errors.js";

let root: IssuedCertificate;
let sha1Root: IssuedCertificate;
let leaf: IssuedCertificate;
let crlPem: string;
let dir: string;

beforeAll(async () => {
  root = await createRootCa({ subject: "CN=CONFIG TEST ROOT" });
  sha1Root = await createRootCa({ subject: "CN=SHA1 ROOT", signatureHash: "SHA-1" });
  leaf = await issueClientCertificate(root);
  crlPem = (await createCrl(root, [{ serialHex: leaf.serialHex }])).pem;
  dir = mkdtempSync(join(tmpdir(), "emu-config-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const files = (map: Record<string, string>) => (p: string) => {
  const hit = Object.entries(map).find(([k]) => p.endsWith(k));
  if (!hit) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
  return Buffer.from(hit[1]);
};

function base(): EmulatorConfig {
  return {
    accountId: "123456789012",
    region: "us-east-1",
    trustAnchors: [{ name: "ta", certificates: ["root-cert.pem"], crls: [], enabled: true }],
    profiles: [
      {
        name: "p",
        roleArns: ["arn:aws:iam::123456789012:role/demo"],
        durationSeconds: 3600,
        acceptRoleSessionName: false,
        requireInstanceProperties: false,
        enabled: true,
      },
    ],
    roles: [{ arn: "arn:aws:iam::123456789012:role/demo", maxSessionDuration: 3600 }],
  };
}
const resolveBase = (cfg: unknown, extra: Record<string, string> = {}) =>
  resolveConfig(cfg, { baseDir: "/cfg", readFile: files({ "/cfg/root-cert.pem": root.certPem, ...extra }), source: "emu.json" });

const errorOf = (fn: () => unknown) => thrownBy(fn, ConfigError);

describe("emulator config", () => {
  it("resolves the contract's example with stable ARNs derived from the names", () => {
    const a = resolveBase(base());
    const b = resolveBase(base());
    expect(a.trustAnchors[0]!.arn).toBe(b.trustAnchors[0]!.arn);
    expect(a.trustAnchors[0]!.arn).toMatch(/^arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor\/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.profiles[0]!.arn).toBe(rolesAnywhereArn("us-east-1", "123456789012", "profile", "p"));
    expect(a.profiles[0]!.arn).not.toBe(rolesAnywhereArn("us-east-1", "123456789012", "profile", "q"));
    expect(a.trustAnchors[0]!.certificates[0]!.subject).toBe("CN=CONFIG TEST ROOT");
    expect(a.roles).toEqual([{ arn: "arn:aws:iam::123456789012:role/demo", accountId: "123456789012", roleName: "demo", maxSessionDuration: 3600 }]);
  });

  it("fills defaults: account 123456789012, us-east-1, enabled, 3600 s, no session name, implicit roles", () => {
    const cfg = resolveBase({
      trustAnchors: [{ name: "ta", certificates: ["root-cert.pem"] }],
      profiles: [{ name: "p", roleArns: ["arn:aws:iam::123456789012:role/implicit"] }],
    });
    expect(cfg.accountId).toBe("123456789012");
    expect(cfg.region).toBe("us-east-1");
    expect(cfg.trustAnchors[0]!.enabled).toBe(true);
    expect(cfg.profiles[0]).toMatchObject({ durationSeconds: 3600, acceptRoleSessionName: false, requireInstanceProperties: false, enabled: true });
    expect(cfg.roles[0]).toMatchObject({ arn: "arn:aws:iam::123456789012:role/implicit", maxSessionDuration: 3600 });
  });

  it("loads CRLs and inline PEM certificates", () => {
    const cfg = base();
    cfg.trustAnchors[0]!.certificates = [root.certPem];
    cfg.trustAnchors[0]!.crls = ["crl.pem"];
    const r = resolveBase(cfg, { "/cfg/crl.pem": crlPem });
    expect(r.trustAnchors[0]!.crls).toHaveLength(1);
    expect(r.trustAnchors[0]!.certificates).toHaveLength(1);
  });

  const cases: [string, (c: EmulatorConfig & Record<string, unknown>) => void, string][] = [
    ["an unknown top-level key", (c) => (c.extra = 1), "config: extra: unknown key (allowed: accountId, region, trustAnchors, profiles, roles, samlProviders, samlUsers)"],
    ["an unknown profile key", (c) => ((c.profiles[0] as unknown as Record<string, unknown>).acceptRoleSessionNames = true), "config: profiles[0].acceptRoleSessionNames: unknown key"],
    ["a profile duration out of range", (c) => (c.profiles[0]!.durationSeconds = 100), "config: profiles[0].durationSeconds: must be an integer 900-43200"],
    ["a fractional duration", (c) => (c.profiles[0]!.durationSeconds = 1000.5), "config: profiles[0].durationSeconds: must be an integer 900-43200"],
    ["a role maxSessionDuration out of range", (c) => (c.roles![0]!.maxSessionDuration = 60), "config: roles[0].maxSessionDuration: must be an integer 3600-43200"],
    ["a short account id", (c) => (c.accountId = "123"), 'config: accountId: must be 12 digits, not "123"'],
    ["a bad region", (c) => (c.region = "mars"), 'config: region: must be a region name such as us-east-1, not "mars"'],
    ["a non-boolean enabled", (c) => ((c.trustAnchors[0] as unknown as Record<string, unknown>).enabled = "yes"), "config: trustAnchors[0].enabled: must be true or false"],
    ["a missing file", (c) => (c.trustAnchors[0]!.certificates = ["nope.pem"]), 'config: trustAnchors[0].certificates[0]: cannot read "/cfg/nope.pem" (ENOENT)'],
    ["no trust anchors", (c) => delete (c as Partial<EmulatorConfig>).trustAnchors, "config: trustAnchors: must be an array"],
    ["an empty profile list", (c) => (c.profiles = []), "config: profiles: must have 1-250 entries"],
    ["a malformed role ARN", (c) => (c.profiles[0]!.roleArns = ["arn:aws:iam::123456789012:user/bob"]), "config: profiles[0].roleArns[0]: must be an IAM role ARN"],
    ["a role in another account", (c) => (c.profiles[0]!.roleArns = ["arn:aws:iam::999999999999:role/x"]), "config: profiles[0].roleArns[0]: role account 999999999999 differs from accountId 123456789012"],
    ["a duplicate profile name", (c) => c.profiles.push({ ...c.profiles[0]! }), 'config: profiles[1].name: duplicate profile name "p"'],
    ["a bad name", (c) => (c.trustAnchors[0]!.name = "bad/name"), "config: trustAnchors[0].name: must be 1-255 letters"],
    ["three CRLs", (c) => (c.trustAnchors[0]!.crls = ["a", "b", "c"]), "config: trustAnchors[0].crls: must have 0-2 entries"],
    ["a CRL file that is not a CRL", (c) => (c.trustAnchors[0]!.crls = ["root-cert.pem"]), "config: trustAnchors[0].crls[0]: holds no X509 CRL PEM block"],
  ];
  for (const [name, mutate, message] of cases) {
    it(`refuses ${name}, naming the key`, () => {
      const cfg = base() as EmulatorConfig & Record<string, unknown>;
      mutate(cfg);
      const err = errorOf(() => resolveBase(cfg));
      expect(err.message.startsWith(message), err.message).toBe(true);
      expect(err.code).toBe("CONFIG");
      expect(err.hint).toContain("emu.json");
    });
  }

  it("refuses trust anchor certificates that are not CAs or are SHA-1 signed", () => {
    const cfg = base();
    cfg.trustAnchors[0]!.certificates = [leaf.certPem];
    expect(errorOf(() => resolveBase(cfg)).message).toBe("config: trustAnchors[0].certificates[0]: trust anchor certificate must have basicConstraints CA:TRUE");
    cfg.trustAnchors[0]!.certificates = [sha1Root.certPem];
    expect(errorOf(() => resolveBase(cfg)).message).toMatch(/^config: trustAnchors\[0\]\.certificates\[0\]: trust anchor certificate is signed with \S+; SHA-256 or stronger is required$/);
  });

  it("loads a file with paths relative to its directory, and reports bad JSON", () => {
    mkdirSync(join(dir, "pki"), { recursive: true });
    writeFileSync(join(dir, "pki", "root-cert.pem"), root.certPem);
    const cfg = base();
    cfg.trustAnchors[0]!.certificates = ["pki/root-cert.pem"];
    writeFileSync(join(dir, "emulator.json"), JSON.stringify(cfg));
    expect(loadConfigFile(join(dir, "emulator.json")).trustAnchors[0]!.certificates[0]!.subject).toBe("CN=CONFIG TEST ROOT");
    writeFileSync(join(dir, "broken.json"), "{ nope");
    expect(errorOf(() => loadConfigFile(join(dir, "broken.json"))).message).toMatch(/^config: .*broken\.json: not valid JSON/);
    expect(errorOf(() => loadConfigFile(join(dir, "missing.json"))).message).toMatch(/^config: cannot read ".*missing\.json" \(ENOENT\)$/);
  });
});

describe("quick mode config", () => {
  it("makes one trust anchor, one profile that accepts session names, and one role", () => {
    const q = quickConfig({ trustAnchorCertPem: "PEM" });
    expect(q.trustAnchors).toHaveLength(1);
    expect(q.profiles[0]).toMatchObject({ roleArns: ["arn:aws:iam::123456789012:role/rolesanywhere-emulator"], acceptRoleSessionName: true, durationSeconds: 3600 });
    expect(q.roles).toEqual([{ arn: "arn:aws:iam::123456789012:role/rolesanywhere-emulator", maxSessionDuration: 3600 }]);
  });
  it("takes the account from the role ARN and honours region and profile overrides", () => {
    const q = quickConfig({
      trustAnchorCertPem: "PEM",
      roleArn: "arn:aws:iam::111122223333:role/app",
      region: "eu-west-1",
      profile: { acceptRoleSessionName: false, durationSeconds: 900 },
    });
    expect(q.accountId).toBe("111122223333");
    expect(q.region).toBe("eu-west-1");
    expect(q.profiles[0]).toMatchObject({ acceptRoleSessionName: false, durationSeconds: 900 });
    const r = resolveConfig({ ...q, trustAnchors: [{ ...q.trustAnchors[0]!, certificates: [root.certPem] }] }, { baseDir: "/" });
    expect(r.trustAnchors[0]!.arn).toMatch(/^arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor\//);
  });
});
