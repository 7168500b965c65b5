/**
 * Test support shared by the provider and update tests: a private PKI made with
 * src/pki, certificate and key files in a temp dir (rotatable), the emulator on
 * 127.0.0.1:0 trusting the root, and an environment with nothing in it (no
 * proxies, no AWS_* variables from the machine running the tests).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../../src/clock.js";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/index.js";
import type { AuditEntry } from "../../../src/emulator/index.js";
import { createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";

export interface TestPki {
  root: IssuedCertificate;
  /** Issues a new client certificate (new key, new serial) under the root. */
  issue(cn?: string): Promise<IssuedCertificate>;
}

export async function makePki(): Promise<TestPki> {
  const root = await createRootCa({ subject: "CN=PROVIDER TEST ROOT" });
  return { root, issue: (cn = "provider-client") => issueClientCertificate(root, { subject: `CN=${cn}` }) };
}

/** A temp dir with cert.pem and key.pem that can be swapped atomically (rename), as a deploy would. */
export interface IdentityFiles {
  dir: string;
  certPath: string;
  keyPath: string;
  /** Replaces both files with `client`'s certificate and key. */
  install(client: IssuedCertificate): void;
  remove(): void;
}

export function identityFiles(client: IssuedCertificate, prefix = "provider-id-"): IdentityFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  const put = (path: string, text: string) => {
    writeFileSync(`${path}.new`, text, { mode: 0o600 });
    renameSync(`${path}.new`, path);
  };
  const files: IdentityFiles = {
    dir,
    certPath,
    keyPath,
    install(c) {
      put(certPath, c.certPem);
      put(keyPath, c.keyPem);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  files.install(client);
  return files;
}

/** The emulator in quick mode, trusting `root`. */
export function emulatorFor(root: IssuedCertificate, opts: { clock?: Clock; port?: number } = {}): Promise<RunningEmulator> {
  return startEmulator({
    trustAnchorCertPem: root.certPem,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
}

/** The CreateSession entries of the audit log (optionally only from index `from` on). */
export function createSessions(audit: readonly AuditEntry[], from = 0): AuditEntry[] {
  return audit.slice(from).filter((e) => e.operation === "CreateSession");
}

/** An environment with none of the machine's AWS_* or proxy variables. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("AWS_") || /^(https?|no|all)_proxy$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
