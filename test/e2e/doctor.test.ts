/**
 * `signing-helper doctor` end to end: the built CLI, a PKI from src/pki in a
 * temporary directory, and the emulator on 127.0.0.1 for the ARNs and --online.
 * The CLI is spawned asynchronously so the in-process emulator keeps answering.
 */
import { execFile, type ExecFileOptions } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createIntermediateCa, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../src/pki/index.js";

const CLI = join(import.meta.dirname, "../../dist/cli.js");
const DAY = 86_400_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

function doctor(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, "doctor", ...args],
      // detached: a new session with no controlling terminal, so no password prompt can wait on it.
      { env: { PATH: process.env.PATH, ...opts.env }, timeout: 30_000, detached: true } as ExecFileOptions,
      (err: Error | null, stdout: string | Buffer, stderr: string | Buffer) => {
        const code = err ? ((err as { code?: number }).code ?? null) : 0;
        const out = String(stdout);
        resolve({ code: typeof code === "number" ? code : null, stdout: out, stderr: String(stderr), lines: out.trimEnd().split("\n") });
      },
    );
    child.stdin?.end(opts.input ?? "");
  });
}

/** The checklist line of one check (exactly one expected). */
function line(run: Run, check: string): string {
  const found = run.lines.filter((l) => l.slice(2).startsWith(`${check}: `));
  expect(found, `one '${check}' line in:\n${run.stdout}`).toHaveLength(1);
  return found[0]!;
}

function failedChecks(run: Run): string[] {
  return run.lines.filter((l) => l.startsWith("✗ ")).map((l) => l.slice(2, l.indexOf(": ")));
}

let dir: string;
let emu: RunningEmulator;
let files: Record<string, string>;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function arnFlags(over: { profileArn?: string } = {}): string[] {
  return [
    "--endpoint", emu.endpoint,
    "--trust-anchor-arn", emu.trustAnchorArn,
    "--profile-arn", over.profileArn ?? emu.profileArn,
    "--role-arn", emu.roleArn,
  ];
}

function goodFlags(): string[] {
  return [
    "--certificate", files.leaf!,
    "--private-key", files.leafKey!,
    "--intermediates", files.intermediate!,
    "--trust-anchor-cert", files.root!,
    ...arnFlags(),
  ];
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (or BUILD_ALLOW_TYPE_ERRORS=1 node scripts/build.mjs) first`);
  dir = mkdtempSync(join(tmpdir(), "doctor-e2e-"));
  const root = await createRootCa();
  const intermediate = await createIntermediateCa(root);
  const leaf = await issueClientCertificate(intermediate);
  const other = await issueClientCertificate(intermediate, { subject: "CN=OTHER CLIENT" });
  const expired = await issueClientCertificate(intermediate, { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 2 * DAY) });
  const caLeaf: IssuedCertificate = await issueClientCertificate(intermediate, { ca: true });
  files = {
    root: write("root-cert.pem", root.certPem),
    intermediate: write("intermediate-cert.pem", intermediate.certPem),
    leaf: write("client-cert.pem", leaf.certPem),
    leafKey: write("client-key.pem", leaf.keyPem),
    combined: write("client-combined.pem", leaf.keyPem + leaf.certPem),
    otherKey: write("other-key.pem", other.keyPem),
    encryptedKey: write("client-key-encrypted.pem", leaf.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "s3cret-pw" }) as string),
    expired: write("expired-cert.pem", expired.certPem),
    expiredKey: write("expired-key.pem", expired.keyPem),
    caLeaf: write("ca-leaf-cert.pem", caLeaf.certPem),
    caLeafKey: write("ca-leaf-key.pem", caLeaf.keyPem),
  };
  emu = await startEmulator({ trustAnchorCertPem: root.certPem, host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("doctor (built CLI)", () => {
  it("passes every check of a good setup, printing the region and endpoint, and exits 0", async () => {
    const run = await doctor(goodFlags());
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => /^[✗!] /.test(l))).toEqual([]);
    const checks = run.lines.slice(0, -1);
    for (const l of checks) expect(l).toMatch(/^(✓ |- (clock skew|CreateSession): )/);
    expect(line(run, "chain")).toBe("✓ chain: leaf CN=TEST CLIENT → CN=TEST INTERMEDIATE → trust anchor CN=TEST ROOT (every signature verified)");
    expect(line(run, "region")).toBe("✓ region: us-east-1 (from trust anchor ARN)");
    expect(line(run, "endpoint")).toBe(`✓ endpoint: ${emu.endpoint} (from --endpoint)`);
    expect(line(run, "validity")).toMatch(/^✓ validity: valid from .* \(36[45] days left\)$/);
    expect(line(run, "proxy")).toBe(`✓ proxy: none set: direct connection to ${new URL(emu.endpoint).host}`);
    expect(run.lines.at(-1)).toMatch(/^doctor: all checks passed \(\d+ passed, 0 warnings, 0 failed, 2 not checked\)$/);
  });

  it("with --online, compares clocks with the emulator and gets credentials from a real CreateSession", async () => {
    const run = await doctor([...goodFlags(), "--online"]);
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => /^[✗!-] /.test(l))).toEqual([]);
    expect(line(run, "clock skew")).toMatch(/^✓ clock skew: this machine's clock is \d+ s (ahead of|behind) 127\.0\.0\.1:\d+/);
    expect(line(run, "CreateSession")).toMatch(
      new RegExp(`^✓ CreateSession: credentials for arn:aws:sts::${emu.accountId}:assumed-role/rolesanywhere-emulator/\\S+ \\(account ${emu.accountId}\\), valid until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
    );
    expect(run.stdout).not.toMatch(/SecretAccessKey|SessionToken|ASIA/);
  });

  it("finds the key in a combined PEM and reads the certificate from stdin", async () => {
    const combined = await doctor(["--certificate", files.combined!, "--intermediates", files.intermediate!, "--trust-anchor-cert", files.root!, ...arnFlags()]);
    expect(combined.code).toBe(0);
    expect(line(combined, "private key")).toMatch(/EC P-256 \(found with the certificate\)$/);
    const { readFileSync } = await import("node:fs");
    const stdin = await doctor(["--certificate", "-", "--private-key", files.leafKey!, "--intermediates", files.intermediate!, ...arnFlags()], {
      input: readFileSync(files.leaf!, "utf8"),
    });
    expect(stdin.code).toBe(0);
    expect(line(stdin, "certificate")).toBe("✓ certificate: stdin: 1 certificate (CN=TEST CLIENT)");
  });

  it("an encrypted key: fails without a password (naming --pkcs8-password) and passes with one, online too", async () => {
    const flags = goodFlags().map((a) => (a === files.leafKey ? files.encryptedKey! : a));
    const without = await doctor(flags);
    expect(without.code).toBe(1);
    expect(line(without, "private key")).toMatch(/^✗ private key: private key \(file .*client-key-encrypted\.pem\): .*no password was given — fix: pass --pkcs8-password/);
    const withPw = await doctor([...flags, "--pkcs8-password", "env:KEY_PW", "--online"], { env: { KEY_PW: "s3cret-pw" } });
    expect(withPw.code).toBe(0);
    expect(line(withPw, "CreateSession")).toMatch(/^✓ CreateSession: /);
    expect(withPw.stdout + withPw.stderr).not.toContain("s3cret-pw");
  });

  it("wrong key: names the mismatch and how to fix it, exit 1", async () => {
    const run = await doctor([...goodFlags().map((a) => (a === files.leafKey ? files.otherKey! : a))]);
    expect(run.code).toBe(1);
    expect(failedChecks(run)).toEqual(["key matches certificate"]);
    expect(line(run, "key matches certificate")).toBe(
      `✗ key matches certificate: the private key (file ${files.otherKey}) is not the key of CN=TEST CLIENT (file ${files.leaf}) — fix: give the private key this certificate was issued for (or the certificate issued for this key): 'openssl x509 -noout -pubkey -in CERT' and 'openssl pkey -pubout -in KEY' must print the same public key`,
    );
  });

  it("expired certificate: says when it expired and to renew it, exit 1", async () => {
    const run = await doctor(["--certificate", files.expired!, "--private-key", files.expiredKey!, "--intermediates", files.intermediate!, "--trust-anchor-cert", files.root!, ...arnFlags()]);
    expect(run.code).toBe(1);
    expect(failedChecks(run)).toEqual(["validity"]);
    expect(line(run, "validity")).toMatch(/^✗ validity: the certificate expired: its notAfter was \S+Z — fix: renew it: have the CA issue the certificate again/);
  });

  it("missing intermediate: names the missing issuer and --intermediates, and with --online shows the service's refusal and hint", async () => {
    const flags = ["--certificate", files.leaf!, "--private-key", files.leafKey!, "--trust-anchor-cert", files.root!, ...arnFlags()];
    const run = await doctor(flags);
    expect(run.code).toBe(1);
    expect(failedChecks(run)).toEqual(["chain"]);
    expect(line(run, "chain")).toMatch(
      /^✗ chain: missing intermediate: no certificate for CN=TEST INTERMEDIATE, the issuer of CN=TEST CLIENT, .* — fix: pass the intermediate CA certificate\(s\) with --intermediates FILE/,
    );
    const online = await doctor([...flags, "--online"]);
    expect(online.code).toBe(1);
    expect(failedChecks(online)).toEqual(["chain", "CreateSession"]);
    expect(line(online, "CreateSession")).toMatch(/^✗ CreateSession: .*Untrusted Signing Certificate.* — fix: .*--intermediates/);
  });

  it("wrong-region profile ARN: names both regions, exit 1", async () => {
    const run = await doctor([
      "--certificate", files.leaf!, "--private-key", files.leafKey!, "--intermediates", files.intermediate!, "--trust-anchor-cert", files.root!,
      ...arnFlags({ profileArn: emu.profileArn.replace(":us-east-1:", ":eu-west-1:") }),
    ]);
    expect(run.code).toBe(1);
    expect(failedChecks(run)).toEqual(["ARNs match"]);
    expect(line(run, "ARNs match")).toBe(
      "✗ ARNs match: the trust anchor and the profile differ in region (trust anchor in us-east-1, profile in eu-west-1) — fix: a trust anchor and a profile work together only within one partition, region and account: pass the --profile-arn of a profile in the trust anchor's region us-east-1 (or the trust anchor of the profile's)",
    );
  });

  it("CA:TRUE leaf: says to use an end-entity certificate, exit 1", async () => {
    const run = await doctor(["--certificate", files.caLeaf!, "--private-key", files.caLeafKey!, "--intermediates", files.intermediate!, "--trust-anchor-cert", files.root!, ...arnFlags()]);
    expect(run.code).toBe(1);
    expect(failedChecks(run)).toEqual(["basic constraints"]);
    expect(line(run, "basic constraints")).toMatch(/^✗ basic constraints: basicConstraints CA:TRUE: .* — fix: use an end-entity certificate issued by the CA, with basicConstraints=critical,CA:FALSE/);
  });

  it("reports missing ARNs and an unreadable file as failed checks (exit 1), not usage errors", async () => {
    const run = await doctor(["--certificate", join(dir, "nope.pem"), "--private-key", files.leafKey!]);
    expect(run.code).toBe(1);
    expect(line(run, "certificate")).toMatch(/^✗ certificate: certificate \(file .*nope\.pem\): no such file — fix: check the path/);
    expect(line(run, "trust anchor ARN")).toMatch(/^✗ trust anchor ARN: not given — fix: pass --trust-anchor-arn /);
    expect(line(run, "profile ARN")).toMatch(/^✗ profile ARN: not given/);
    expect(line(run, "role ARN")).toMatch(/^✗ role ARN: not given/);
  });

  it("answers an unknown flag with a usage error, exit 2", async () => {
    const run = await doctor(["--certificat", files.leaf!]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^signing-helper: unknown flag: --certificat\n/);
  });

  it("with --online and an endpoint that refuses connections: fails the clock probe with the network hint and skips CreateSession", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const run = await doctor([...goodFlags().map((a) => (a === emu.endpoint ? `http://127.0.0.1:${port}` : a)), "--online"]);
    expect(run.code).toBe(1);
    expect(failedChecks(run)).toEqual(["clock skew"]);
    expect(line(run, "clock skew")).toMatch(/^✗ clock skew: could not reach http:\/\/127\.0\.0\.1:\d+\/: .*ECONNREFUSED.* — fix: nothing accepts connections at the endpoint/);
    expect(line(run, "CreateSession")).toBe("- CreateSession: the endpoint could not be reached (see clock skew)");
  });

  describe("clock skew against an endpoint whose clock is off", () => {
    let server: Server;
    let endpoint: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        res.setHeader("date", new Date(Date.now() - 10 * 60_000).toUTCString());
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("fails a 10-minute skew with the NTP fix", async () => {
      const run = await doctor([...goodFlags().map((a) => (a === emu.endpoint ? endpoint : a)), "--online"]);
      expect(run.code).toBe(1);
      expect(line(run, "clock skew")).toMatch(/^✗ clock skew: this machine's clock is 10\.0 min ahead of 127\.0\.0\.1:\d+ .* — fix: synchronise this machine's clock with NTP/);
    });
  });
});
