/**
 * QA pass over the built CLI, as a user runs it: regressions for the problems
 * found there (inline PEM values, stray arguments, stdin labels, empty env:
 * names, PKCS#12 in read-certificate-data, quick-mode emulator errors, expired
 * and CA certificates, https to a plain-HTTP port, a wrong --region). Every
 * failure must be one `signing-helper: …` line plus one `hint: …` line, with
 * nothing on stdout and no secret anywhere.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { CLI, cleanEnv, requireBuiltCli, run, runCli, type RunResult } from "../integration/credential-process/world.js";

const INTEROP = join(import.meta.dirname, "../../fixtures/interop/ec-p256");
const P12_PASSWORD = "password";

let dir: string;
let emu: RunningEmulator;
let good: { cert: string; key: string; certPem: string; keyPem: string };
let expired: { cert: string; key: string };
let caLeaf: { cert: string; key: string };
let rootCert: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), "qa-cli-"));
  const root = await createRootCa({ keyType: "ec-p256" });
  const now = Date.now();
  const [g, e, c] = await Promise.all([
    issueClientCertificate(root, { keyType: "ec-p256" }),
    issueClientCertificate(root, { keyType: "ec-p256", notBefore: new Date(now - 10 * 86_400_000), notAfter: new Date(now - 86_400_000) }),
    issueClientCertificate(root, { keyType: "ec-p256", ca: true, keyUsages: ["digitalSignature", "keyCertSign"] }),
  ]);
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  rootCert = write("root-cert.pem", root.certPem);
  good = { cert: write("good-cert.pem", g.certPem), key: write("good-key.pem", g.keyPem), certPem: g.certPem, keyPem: g.keyPem };
  expired = { cert: write("expired-cert.pem", e.certPem), key: write("expired-key.pem", e.keyPem) };
  caLeaf = { cert: write("ca-leaf-cert.pem", c.certPem), key: write("ca-leaf-key.pem", c.keyPem) };
  emu = await startEmulator({ trustAnchorCertPem: root.certPem, port: 0 });
});
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = () => cleanEnv(dir);
const arns = (endpoint = emu.endpoint) => [
  "--trust-anchor-arn", emu.trustAnchorArn,
  "--profile-arn", emu.profileArn,
  "--role-arn", emu.roleArn,
  "--endpoint", endpoint,
];

/** The contract's failure shape: exit code, empty stdout, one error line and one hint line, no stack. */
function expectFailure(r: RunResult, code: 1 | 2, what: RegExp): string[] {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.replace(/\n$/, "").split("\n");
  const error = lines.find((l) => l.startsWith("signing-helper: "));
  expect(error, r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/^\s+at |undefined|\[object Object\]|signing-helper: signing-helper:/m);
  return lines;
}

describe("flag values and arguments", () => {
  it("takes an inline certificate given as the next argument (not only --flag=PEM)", async () => {
    const r = await runCli(["credential-process", "--certificate", good.certPem, "--private-key", good.key, ...arns()], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Version: 1, AccountId: "123456789012" });
  });

  it("refuses a private key given inline, in any flag and any command (exit 2), without showing it: other users can read argv", async () => {
    const body = good.keyPem.split("\n")[1]!;
    const runs = [
      ["credential-process", "--certificate", good.cert, "--private-key", good.keyPem, ...arns()],
      ["credential-process", "--certificate", good.keyPem + good.certPem, ...arns()],
      ["sign-string", "--private-key", good.keyPem],
      ["update", "--once", "--certificate", good.cert, `--private-key=${good.keyPem}`, ...arns()],
    ];
    for (const argv of runs) {
      const r = await runCli(argv, env());
      const lines = expectFailure(r, 2, /^signing-helper: --(private-key|certificate): a private key given inline is refused: other users could read it in the process list$/);
      expect(lines[1]).toMatch(/^hint: .*file.*env:NAME.*'-'/);
      expect(r.stderr).not.toContain(body);
    }
  });

  it("accepts a literal --pkcs8-password (the official helper's only form) with a warning that names env:NAME; env:NAME gives none", async () => {
    const literal = await runCli(["read-certificate-data", "--certificate", good.cert, "--pkcs8-password", "s3cret-literal"], env());
    expect(literal.code, literal.stderr).toBe(0);
    expect(literal.stderr).toBe(
      "warning: --pkcs8-password VALUE can be read by every user of this machine in the process list; use --pkcs8-password env:NAME (or leave it out to be asked on the terminal)\n",
    );
    const fromEnv = await runCli(["read-certificate-data", "--certificate", good.cert, "--pkcs8-password", "env:PW"], cleanEnv(dir, { PW: "s3cret-literal" }));
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stderr).toBe("");
  });

  it("refuses a stray argument with exit 2 instead of ignoring it", async () => {
    const r = await runCli(["credential-process", "--certificate", good.cert, "--private-key", good.key, ...arns(), "\\"], env());
    const lines = expectFailure(r, 2, /^signing-helper: unexpected argument '\\': commands take only flags/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^hint: .*one line/);
  });

  it("does not show a stray word that follows --pkcs8-password (it may be part of the password)", async () => {
    const r = await runCli(["sign-string", "--private-key", good.key, "--pkcs8-password", "correct", "horse"], env());
    expectFailure(r, 2, /unexpected argument \(value not shown\)/);
    expect(r.stderr).not.toMatch(/horse|correct/);
  });

  it("prints the command list to stderr, not stdout, when no command is given (exit 2)", async () => {
    const r = await runCli([], env());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^usage: signing-helper <command>/);
  });

  it("names the flag when env: has no variable name, for sources and passwords (exit 2)", async () => {
    expectFailure(await runCli(["sign-string", "--private-key", good.key, "--pkcs8-password", "env:"], env()), 2, /^signing-helper: --pkcs8-password: env: needs a variable name/);
    expectFailure(await runCli(["read-certificate-data", "--certificate", "env:"], env()), 2, /^signing-helper: --certificate: env: needs a variable name/);
  });

  it("calls stdin 'stdin' in messages, not 'Buffer'", async () => {
    const r = await runCli(["credential-process", "--certificate", "-", "--private-key", good.key, ...arns()], env());
    expectFailure(r, 1, /^signing-helper: certificate \(stdin\): is empty$/);
  });
});

describe("read-certificate-data with a password-protected PKCS#12", () => {
  it("opens it with --pkcs8-password VALUE or env:NAME, as the hint says", async () => {
    const expected = readFileSync(join(INTEROP, "cert.der")).toString("base64");
    for (const [pass, extra] of [[P12_PASSWORD, {}], ["env:P12_PASS", { P12_PASS: P12_PASSWORD }]] as const) {
      const r = await runCli(["read-certificate-data", "--certificate", join(INTEROP, "modern.p12"), "--pkcs8-password", pass], cleanEnv(dir, extra));
      expect(r.stderr).toMatch(pass === P12_PASSWORD ? /^warning: --pkcs8-password VALUE can be read by every user[^\n]*\n$/ : /^$/);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { certificateData: string }).certificateData).toBe(expected);
    }
  });

  it("says the password is wrong, and never shows it", async () => {
    const r = await runCli(["read-certificate-data", "--certificate", join(INTEROP, "modern.p12"), "--pkcs8-password", "env:PW"], cleanEnv(dir, { PW: "not-the-pass" }));
    expectFailure(r, 1, /wrong password for the PKCS#12 file/);
    expect(r.stderr).not.toContain("not-the-pass");
  });
});

describe("emulator quick mode errors name the flags the user gave", () => {
  it("reports a --trust-anchor-cert that holds no certificate against the flag, not a config key", async () => {
    const r = await run(process.execPath, [CLI, "emulator", "--trust-anchor-cert", good.key], env(), 20_000);
    const lines = expectFailure(r, 1, new RegExp(`^signing-helper: --trust-anchor-cert ${good.key.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: holds no CERTIFICATE PEM block$`));
    expect(lines[1]).toMatch(/^hint: give the CA certificate/);
    expect(r.stderr).not.toMatch(/trustAnchors\[0\]|config/);
  });

  it("reports an --audit-log that cannot be opened as a config problem, not an unexpected error", async () => {
    const auditDir = join(dir, "audit-dir");
    mkdirSync(auditDir, { recursive: true });
    const r = await run(process.execPath, [CLI, "emulator", "--trust-anchor-cert", rootCert, "--audit-log", auditDir], env(), 20_000);
    const lines = expectFailure(r, 1, /^signing-helper: audit log .*audit-dir: cannot open it for appending: is a directory, not a file$/);
    expect(lines).toHaveLength(2);
  });
});

describe("service refusals and network failures say what to do", () => {
  it("warns that an expired certificate expired (not 'expires in 0 day(s)')", async () => {
    const r = await runCli(["credential-process", "--certificate", expired.cert, "--private-key", expired.key, ...arns()], env());
    const lines = expectFailure(r, 1, /Signing certificate has expired/);
    const warning = lines.find((l) => l.startsWith("warning: "));
    expect(warning).toMatch(/^warning: certificate serial \d+ expired: its notAfter was \S+Z; renew it$/);
  });

  it("points a CA certificate used as the signing certificate at an end-entity certificate", async () => {
    const r = await runCli(["credential-process", "--certificate", caLeaf.cert, "--private-key", caLeaf.key, ...arns()], env());
    const lines = expectFailure(r, 1, /must not be a CA certificate/);
    expect(lines[1]).toMatch(/^hint: sign with an end-entity certificate/);
  });

  it("points a --region that is not the endpoint's at --region", async () => {
    const r = await runCli(["credential-process", "--certificate", good.cert, "--private-key", good.key, ...arns(), "--region", "eu-west-1"], env());
    const lines = expectFailure(r, 1, /Invalid credential scope/);
    expect(lines[1]).toMatch(/^hint: the signing region must be the endpoint's region: leave out --region/);
  });

  it("says https:// to a plain-HTTP port is not TLS, without OpenSSL's internals", async () => {
    const r = await runCli(["credential-process", "--certificate", good.cert, "--private-key", good.key, ...arns(emu.endpoint.replace("http:", "https:"))], env());
    const lines = expectFailure(r, 1, /TLS handshake with https:\/\/127\.0\.0\.1:\d+\/sessions failed: the server did not answer in TLS/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^hint: .*use http:\/\//);
    expect(r.stderr).not.toMatch(/SSL routines|ssl3_/);
  });
});
