import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether an `openssl` binary is on PATH (tests that need it skip, visibly, without it). */
export const hasOpenssl = spawnSync("openssl", ["version"], { encoding: "utf8" }).status === 0;
/** Appended to the name of a test that needs openssl, so a skip says why. */
export const NEEDS_OPENSSL = hasOpenssl ? "" : " (skipped: openssl not found on PATH)";

/** Runs openssl and returns its exit status and output. */
export function openssl(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp directory holding the given files; returns the directory and a cleanup. */
export function tempFiles(files: Record<string, string | Buffer>): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "pki-test-"));
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `openssl x509 -text` of a PEM certificate. */
export function x509Text(certPem: string): string {
  const t = tempFiles({ "c.pem": certPem });
  try {
    const r = openssl(["x509", "-in", t.path("c.pem"), "-noout", "-text"]);
    if (r.status !== 0) throw new Error(`openssl x509 failed: ${r.stderr}`);
    return r.stdout;
  } finally {
    t.cleanup();
  }
}

/** The text of one extension block in `openssl x509 -text` output (header line plus value lines). */
export function extensionBlock(text: string, name: string): string | undefined {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.trim().startsWith(`X509v3 ${name}:`));
  if (i < 0) return undefined;
  const out = [lines[i]!.trim()];
  for (let j = i + 1; j < lines.length && !/^\s*(X509v3 |Signature Algorithm|Authority Information)/.test(lines[j]!); j++) out.push(lines[j]!.trim());
  return out.join("\n");
}
