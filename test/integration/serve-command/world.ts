/**
 * Set-up shared by the `serve` command tests: a PKI made with src/pki written to
 * files, the emulator on 127.0.0.1, a real credential fetcher (the CLI's), and
 * a raw HTTP client that sends exactly the headers given.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { Clock } from "../../../src/clock.js";
import { startEmulator } from "../../../src/emulator/index.js";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../../src/pki/index.js";
import type { IssuedCertificate } from "../../../src/pki/index.js";
import { createCredentialFetcher } from "../../../src/credentials/fetcher.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { raw, type RawResponse } from "../../helpers/raw-http.js";

export const ACCOUNT = "123456789012";
export const ROLE_NAME = "serve-cmd-role";
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;

/** A root CA and a client certificate, written to files in a fresh temp dir. */
export interface Pki {
  dir: string;
  root: IssuedCertificate;
  leaf: IssuedCertificate;
  certPath: string;
  keyPath: string;
  rootPath: string;
  /** Issues a new client certificate (new key, new serial) under the same root and swaps the files atomically. */
  rotate(): Promise<IssuedCertificate>;
  cleanup(): void;
}

/** Writes a file by temp file + rename, as a certificate renewal tool would. */
function replaceFile(path: string, text: string): void {
  writeFileSync(path + ".new", text, { mode: 0o600 });
  renameSync(path + ".new", path);
}

export async function makePki(prefix = "serve-cmd-"): Promise<Pki> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = await createRootCa({ subject: "CN=SERVE TEST ROOT,O=TEST ONLY" });
  const leaf = await issueClientCertificate(root, { subject: "CN=serve test client,O=TEST ONLY" });
  const pki: Pki = {
    dir,
    root,
    leaf,
    certPath: join(dir, "client-cert.pem"),
    keyPath: join(dir, "client-key.pem"),
    rootPath: join(dir, "root-cert.pem"),
    async rotate() {
      const next = await issueClientCertificate(root, { subject: "CN=serve test client renewed,O=TEST ONLY" });
      // Key first, then certificate: between the two renames a refresh would see a
      // mismatch and fail (and be retried), never use a wrong pair.
      replaceFile(pki.keyPath, next.keyPem);
      replaceFile(pki.certPath, next.certPem);
      pki.leaf = next;
      return next;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  writeFileSync(pki.certPath, leaf.certPem);
  writeFileSync(pki.keyPath, leaf.keyPem, { mode: 0o600 });
  writeFileSync(pki.rootPath, root.certPem);
  return pki;
}

/** The emulator in quick mode, trusting `pki.root`, with the test role. */
export function emulatorFor(pki: Pki, opts: { clock?: Clock; port?: number } = {}): Promise<RunningEmulator> {
  return startEmulator({
    trustAnchorCertPem: pki.root.certPem,
    roleArn: ROLE_ARN,
    host: "127.0.0.1",
    port: opts.port ?? 0,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
}

/** The fetcher the CLI builds: identity from the files at every call, one attempt per call. */
export function fetcherFor(
  pki: Pki,
  emu: { endpoint: string; trustAnchorArn: string; profileArn: string; roleArn: string },
  opts: { clock?: Clock; onSerial?: (serial: string) => void } = {},
) {
  const config = resolveSessionConfig(
    {
      trustAnchorArn: emu.trustAnchorArn,
      profileArn: emu.profileArn,
      roleArn: emu.roleArn,
      endpoint: emu.endpoint,
      maxAttempts: 1,
      timeoutMs: 5000,
    },
    {},
  );
  return createCredentialFetcher({ certificate: { path: pki.certPath }, privateKey: { path: pki.keyPath } }, config, {
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.onSerial ? { onIdentity: (id) => opts.onSerial!(id.serialDecimal) } : {}),
  });
}

/** The credential-flag arguments of `serve` for this PKI and emulator. */
export function credentialArgs(pki: { certPath: string; keyPath: string }, emu: RunningEmulator): string[] {
  return [
    "--certificate", pki.certPath,
    "--private-key", pki.keyPath,
    "--trust-anchor-arn", emu.trustAnchorArn,
    "--profile-arn", emu.profileArn,
    "--role-arn", emu.roleArn,
    "--endpoint", emu.endpoint,
  ];
}

export { raw, type RawResponse };

/** An IMDSv2 session token from serve. */
export async function imdsToken(base: string, ttl = "21600"): Promise<string> {
  const r = await raw(base, "/latest/api/token", { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": ttl } });
  if (r.status !== 200) throw new Error(`token PUT answered ${r.status}: ${r.body}`);
  return r.body;
}

/** GET of the IMDS credentials document with a token. */
export function imdsCredentials(base: string, token: string, role = ROLE_NAME): Promise<RawResponse> {
  return raw(base, `/latest/meta-data/iam/security-credentials/${role}`, { headers: { "x-aws-ec2-metadata-token": token } });
}

/** GET of the container route with an Authorization value. */
export function containerCredentials(base: string, authorization: string): Promise<RawResponse> {
  return raw(base, "/v1/credentials", { headers: { authorization } });
}

/** A writable stream that keeps what was written, with a way to wait for a line. */
export class Capture extends PassThrough {
  text = "";
  constructor() {
    super();
    this.on("data", (c: Buffer) => {
      this.text += c.toString("utf8");
    });
  }
  lines(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }
  /** Resolves with the first complete line once written, rejects after `ms`. */
  firstLine(ms = 20_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const nl = this.text.indexOf("\n");
        if (nl < 0) return false;
        clearTimeout(timer);
        this.off("data", onData);
        resolve(this.text.slice(0, nl));
        return true;
      };
      const onData = () => void check();
      const timer = setTimeout(() => {
        this.off("data", onData);
        reject(new Error(`no line within ${ms} ms; got: ${JSON.stringify(this.text)}`));
      }, ms);
      if (!check()) this.on("data", onData);
    });
  }
}

/** Polls `probe` until it returns a value (not undefined), up to `ms`. For waiting on the background loop, not for timing. */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 15_000, what = "condition"): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `signing-helper serve …` run in this process through the CLI's `main`, stopped through its abort signal. */
export interface InProcessServe {
  /** Resolves with the exit code once `main` returns. */
  exit: Promise<number>;
  stdout: Capture;
  stderr: Capture;
  /** The first stdout line, parsed (rejects if `main` returns before printing it). */
  listening(): Promise<{ event: string; url: string }>;
  /** Aborts the signal (as SIGTERM does) and resolves with the exit code. */
  stop(): Promise<number>;
}

export async function serveInProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<InProcessServe> {
  const { main } = await import("../../../src/cli/main.js");
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  const exit = main(["serve", ...args], { env, stdout, stderr, stdin: new PassThrough(), signal: controller.signal });
  return {
    exit,
    stdout,
    stderr,
    async listening() {
      const line = await Promise.race([
        stdout.firstLine(),
        exit.then((code) => {
          throw new Error(`serve exited with ${code} before listening: ${stderr.text}`);
        }),
      ]);
      return JSON.parse(line) as { event: string; url: string };
    },
    stop() {
      controller.abort();
      return exit;
    },
  };
}
