/**
 * Shared set-up for the credential-process tests: a small PKI made with src/pki
 * (RSA and EC clients under one root, a rogue client under another root, an
 * encrypted key), written to a temp directory, and the emulator on 127.0.0.1:0
 * with an audit log file and two profiles (one accepts a role session name,
 * one does not). Plus a way to run the built CLI as a child process with an
 * environment that holds nothing from the caller's AWS set-up.
 */
import { execFile } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../../src/pki/index.js";

/** The built CLI (tests never build it: `npm test` builds first). */
export const CLI = join(import.meta.dirname, "../../../dist/cli.js");
export const ACCOUNT = "123456789012";
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/cp-test`;
export const OTHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/not-in-the-profile`;
export const KEY_PASSWORD = "correct horse battery staple";

/** Throws a clear error when dist/ is missing, instead of a confusing spawn failure. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' (or BUILD_ALLOW_TYPE_ERRORS=1 node scripts/build.mjs) first`);
}

export interface ClientFiles {
  cert: string;
  key: string;
}

export interface World {
  dir: string;
  /** PEM of the root CA the trust anchor holds. */
  rootCertPem: string;
  emu: RunningEmulator;
  auditFile: string;
  rsa: ClientFiles;
  ec: ClientFiles;
  /** The EC key as encrypted PKCS#8 (password KEY_PASSWORD). */
  ecEncryptedKey: string;
  /** A client certificate from a CA the trust anchor does not hold. */
  rogue: ClientFiles;
  trustAnchorArn: string;
  /** Accepts --role-session-name. */
  profileArn: string;
  /** Refuses --role-session-name. */
  strictProfileArn: string;
  /** Number of CreateSession lines in the audit log file so far. */
  createSessions(): number;
  close(): Promise<void>;
}

/** Makes the PKI and starts the emulator. */
export async function startWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "cp-world-"));
  const root = await createRootCa({ keyType: "ec-p256" });
  const rogueRoot = await createRootCa({ keyType: "ec-p256" });
  const [rsa, ec, rogue] = await Promise.all([
    issueClientCertificate(root, { keyType: "rsa-2048" }),
    issueClientCertificate(root, { keyType: "ec-p256" }),
    issueClientCertificate(rogueRoot, { keyType: "ec-p256" }),
  ]);
  const write = (name: string, text: string, mode = 0o644) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    return path;
  };
  const encrypted = createPrivateKey(ec.keyPem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: KEY_PASSWORD });
  const auditFile = join(dir, "audit.jsonl");
  const emu = await startEmulator({
    port: 0,
    auditLog: auditFile,
    config: {
      accountId: ACCOUNT,
      region: "us-east-1",
      trustAnchors: [{ name: "cp-ta", certificates: [root.certPem], enabled: true }],
      profiles: [
        { name: "cp-accepting", roleArns: [ROLE], durationSeconds: 3600, acceptRoleSessionName: true, enabled: true },
        { name: "cp-strict", roleArns: [ROLE], durationSeconds: 3600, acceptRoleSessionName: false, enabled: true },
      ],
      roles: [{ arn: ROLE, maxSessionDuration: 3600 }],
    },
  });
  const profile = (name: string) => emu.profiles.find((p) => p.name === name)!.arn;
  return {
    dir,
    rootCertPem: root.certPem,
    emu,
    auditFile,
    rsa: { cert: write("rsa-cert.pem", rsa.certPem), key: write("rsa-key.pem", rsa.keyPem, 0o600) },
    ec: { cert: write("ec-cert.pem", ec.certPem), key: write("ec-key.pem", ec.keyPem, 0o600) },
    ecEncryptedKey: write("ec-key-encrypted.pem", String(encrypted), 0o600),
    rogue: { cert: write("rogue-cert.pem", rogue.certPem), key: write("rogue-key.pem", rogue.keyPem, 0o600) },
    trustAnchorArn: emu.trustAnchorArn,
    profileArn: profile("cp-accepting"),
    strictProfileArn: profile("cp-strict"),
    createSessions: () => countOperation(auditFile, "CreateSession"),
    async close() {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Lines of a JSON-lines audit log whose `operation` is `op`. */
export function countOperation(auditFile: string, op: string): number {
  if (!existsSync(auditFile)) return 0;
  return readFileSync(auditFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .filter((l) => (JSON.parse(l) as { operation?: string }).operation === op).length;
}

/** The usual credential-process flags for `client` against the world's emulator. */
export function cpArgs(w: World, client: ClientFiles, extra: string[] = []): string[] {
  return [
    "credential-process",
    "--certificate", client.cert,
    "--private-key", client.key,
    "--trust-anchor-arn", w.trustAnchorArn,
    "--profile-arn", w.profileArn,
    "--role-arn", ROLE,
    "--endpoint", w.emu.endpoint,
    ...extra,
  ];
}

/**
 * An environment with PATH and nothing of the caller's AWS, proxy or cache
 * settings: HOME points at `home` so nothing outside the test is read or written.
 */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", ...extra };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (never through a shell) and resolves with its exit code and output. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, cwd?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 4 << 20, ...(cwd !== undefined ? { cwd } : {}) }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** Runs the built CLI with this Node.js binary. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], env);
}

/** The parsed credential_process JSON. */
export interface ProcessCredentials {
  Version: number;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  AccountId: string;
}

/** Checks the exact output shape (field order, no trailing newline) and parses it. */
export function parseOutput(stdout: string): ProcessCredentials {
  const shape =
    /^\{"Version":1,"AccessKeyId":"[A-Z0-9]{16,128}","SecretAccessKey":"[^"\\]+","SessionToken":"[^"\\]+","Expiration":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z","AccountId":"\d{12}"\}$/;
  if (!shape.test(stdout)) throw new Error(`not the credential_process JSON: ${JSON.stringify(stdout.slice(0, 200))}`);
  return JSON.parse(stdout) as ProcessCredentials;
}
