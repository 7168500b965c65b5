/**
 * What a CreateSession's outcome tells the user: a notice when the service
 * capped the session below --session-duration, and, for "Untrusted Signing
 * Certificate", a hint naming the leaf's issuer when it was not supplied.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { cappedDurationNotice } from "../../src/credentials/session-notices.js";
import { createIntermediateCa, createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { cleanEnv, requireBuiltCli, runCli } from "../integration/credential-process/world.js";

let dir: string;
let emu: RunningEmulator;
let leaf: string;
let key: string;
let chain: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), "notices-"));
  const root = await createRootCa({ keyType: "ec-p256", subject: "CN=Notices Root" });
  const mid = await createIntermediateCa(root, { keyType: "ec-p256", subject: "CN=Notices Issuing CA,O=Example" });
  const client = await issueClientCertificate(mid, { keyType: "ec-p256" });
  leaf = join(dir, "leaf.pem");
  key = join(dir, "key.pem");
  chain = join(dir, "chain.pem");
  writeFileSync(leaf, client.certPem);
  writeFileSync(key, client.keyPem, { mode: 0o600 });
  writeFileSync(chain, mid.certPem);
  emu = await startEmulator({ port: 0, trustAnchorCertPem: root.certPem, quickProfile: { durationSeconds: 900 } });
});
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const args = (extra: string[]) => ["credential-process", "--certificate", leaf, "--private-key", key, "--trust-anchor-arn", emu.trustAnchorArn, "--profile-arn", emu.profileArn, "--role-arn", emu.roleArn, "--endpoint", emu.endpoint, ...extra];

describe("CreateSession notices", () => {
  it("names the missing intermediate for Untrusted Signing Certificate", async () => {
    const r = await runCli(args(["--session-duration", "900"]), cleanEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Untrusted Signing Certificate/);
    expect(r.stderr).toMatch(/^hint: the certificate is issued by CN=Notices Issuing CA, O=Example|^hint: the certificate is issued by O=Example, CN=Notices Issuing CA/m);
    expect(r.stderr).toMatch(/which was not supplied: add that intermediate CA certificate \(--intermediates FILE/);
  });

  it("says when the service capped --session-duration, and says nothing when it did not", async () => {
    const capped = await runCli(args(["--intermediates", chain, "--session-duration", "3600"]), cleanEnv(dir));
    expect(capped.code).toBe(0);
    expect(capped.stderr).toMatch(/^notice: the session lasts (89\d|9\d\d) s, less than the 3600 s asked: the Roles Anywhere profile's durationSeconds/m);
    const exact = await runCli(args(["--intermediates", chain, "--session-duration", "900"]), cleanEnv(dir));
    expect(exact.code).toBe(0);
    expect(exact.stderr).toBe("");
  });

  it("leaves a minute of slack for the clocks", () => {
    expect(cappedDurationNotice(3600, 3_560_000, 0)).toBeUndefined();
    expect(cappedDurationNotice(3600, 3_530_000, 0)).toMatch(/lasts 3530 s/);
  });
});
