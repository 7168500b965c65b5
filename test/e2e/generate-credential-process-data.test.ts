import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

// Spawns the built CLI (run `npm run build` first).
const CLI = resolve(import.meta.dirname, "..", "..", "dist", "cli.js");
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
const NEEDS_OPENSSL = hasOpenssl ? "" : " (skipped: openssl not found on PATH)";

function run(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [CLI, "generate-credential-process-data", ...args], { encoding: "utf8", cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function openssl(args: string[]) {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  return { code: r.status, out: r.stdout + r.stderr };
}
const mode = (p: string) => statSync(p).mode & 0o777;

let base: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' before the e2e tests`);
});
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "gcpd-e2e-"));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe("generate-credential-process-data (built CLI)", () => {
  it("writes an ec-p256 root and client into a new 0700 directory, keys 0600, and prints a summary", () => {
    const out = join(base, "pki");
    const r = run(["--out-dir", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["client-cert.pem", "client-key.pem", "root-cert.pem", "root-key.pem"]);
    expect(mode(out)).toBe(0o700);
    expect(mode(join(out, "root-key.pem"))).toBe(0o600);
    expect(mode(join(out, "client-key.pem"))).toBe(0o600);
    expect(r.stdout).toContain(`Wrote a test PKI (ec-p256 keys) to ${out}:`);
    expect(r.stdout).toContain(`from ${join(out, "root-cert.pem")}`);
    expect(r.stdout).toContain(
      `credential_process = signing-helper credential-process --certificate ${join(out, "client-cert.pem")} --private-key ${join(out, "client-key.pem")} --trust-anchor-arn <TRUST_ANCHOR_ARN> --profile-arn <PROFILE_ARN> --role-arn <ROLE_ARN>`,
    );
    expect(r.stdout).not.toContain("PRIVATE KEY");
    expect(readFileSync(join(out, "client-key.pem"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it.skipIf(!hasOpenssl)(`makes certificates that openssl verifies, with Roles Anywhere extensions${NEEDS_OPENSSL}`, () => {
    const out = join(base, "pki");
    expect(run(["--out-dir", out]).code).toBe(0);
    const v = openssl(["verify", "-CAfile", join(out, "root-cert.pem"), join(out, "client-cert.pem")]);
    expect(v.out).toMatch(/client-cert\.pem: OK/);
    expect(v.code).toBe(0);
    const leaf = openssl(["x509", "-in", join(out, "client-cert.pem"), "-noout", "-text"]).out;
    expect(leaf).toContain("Signature Algorithm: ecdsa-with-SHA256");
    expect(leaf).toMatch(/Basic Constraints:\s*\n\s*CA:FALSE/);
    expect(leaf).toMatch(/Key Usage: critical\s*\n\s*Digital Signature\n/);
    const root = openssl(["x509", "-in", join(out, "root-cert.pem"), "-noout", "-text"]).out;
    expect(root).toMatch(/Basic Constraints: critical\s*\n\s*CA:TRUE/);
    expect(root).toMatch(/Certificate Sign, CRL Sign/);
    const key = openssl(["pkey", "-in", join(out, "client-key.pem"), "-noout", "-text"]).out;
    expect(key).toContain("NIST CURVE: P-256");
  });

  it.skipIf(!hasOpenssl)(`with --intermediate --key-type rsa, signs the client with an RSA intermediate${NEEDS_OPENSSL}`, () => {
    const out = join(base, "pki");
    const r = run(["--out-dir", out, "--intermediate", "--key-type", "rsa"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "client-cert.pem",
      "client-fullchain.pem",
      "client-key.pem",
      "intermediate-cert.pem",
      "intermediate-key.pem",
      "root-cert.pem",
      "root-key.pem",
    ]);
    expect(mode(join(out, "intermediate-key.pem"))).toBe(0o600);
    expect(r.stdout).toContain(`--intermediates ${join(out, "intermediate-cert.pem")}`);
    const root = join(out, "root-cert.pem");
    expect(openssl(["verify", "-CAfile", root, "-untrusted", join(out, "intermediate-cert.pem"), join(out, "client-cert.pem")]).code).toBe(0);
    expect(openssl(["verify", "-CAfile", root, "-untrusted", join(out, "client-fullchain.pem"), join(out, "client-cert.pem")]).code).toBe(0);
    const direct = openssl(["verify", "-CAfile", root, join(out, "client-cert.pem")]);
    expect(direct.code).not.toBe(0);
    const leaf = openssl(["x509", "-in", join(out, "client-cert.pem"), "-noout", "-text"]).out;
    expect(leaf).toContain("Signature Algorithm: sha256WithRSAEncryption");
    expect(leaf).toContain("Public-Key: (2048 bit)");
    expect(readFileSync(join(out, "client-fullchain.pem"), "utf8")).toBe(
      readFileSync(join(out, "client-cert.pem"), "utf8") + readFileSync(join(out, "intermediate-cert.pem"), "utf8"),
    );
  });

  it("refuses to overwrite existing files without --force, and replaces them with it", () => {
    const out = join(base, "pki");
    expect(run(["--out-dir", out]).code).toBe(0);
    const before = readFileSync(join(out, "client-key.pem"), "utf8");
    const again = run(["--out-dir", out]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toBe(
      `signing-helper: refusing to overwrite 4 existing files in ${out}: root-cert.pem, root-key.pem, client-cert.pem, client-key.pem\n` +
        "hint: pass --force to overwrite them, or choose another --out-dir\n",
    );
    expect(readFileSync(join(out, "client-key.pem"), "utf8")).toBe(before);
    const forced = run(["--out-dir", out, "--force"]);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(out, "client-key.pem"), "utf8")).not.toBe(before);
    expect(mode(join(out, "client-key.pem"))).toBe(0o600);
  });

  it("answers a bad --key-type with a usage error (exit 2) and writes nothing", () => {
    const out = join(base, "pki");
    const r = run(["--out-dir", out, "--key-type", "dsa"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("signing-helper: --key-type must be one of rsa, ec-p256, ec-p384, not 'dsa'\n");
    expect(existsSync(out)).toBe(false);
  });

  it("fails with one line and a hint (exit 1) when --out-dir is a file", () => {
    const file = join(base, "a-file");
    writeFileSync(file, "x");
    const r = run(["--out-dir", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`signing-helper: cannot use the output directory ${file}: it exists and is not a directory\nhint: choose another output directory\n`);
  });

  it("writes to ./credential-process-data by default", () => {
    const r = run([], base);
    expect(r.code).toBe(0);
    expect(readdirSync(join(base, "credential-process-data")).sort()).toEqual(["client-cert.pem", "client-key.pem", "root-cert.pem", "root-key.pem"]);
  });

  it("lists its flags with --help", () => {
    const r = run(["--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--out-dir", "--key-type", "--intermediate", "--force"]) expect(r.stdout).toContain(flag);
  });
});
