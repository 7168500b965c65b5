/**
 * credential-process against an endpoint that accepts the connection and never
 * answers: one overall deadline (`--timeout SECONDS`, default 15) across every
 * attempt, then one error line naming the endpoint, so the AWS CLI that runs it
 * is not held for attempts × the per-attempt time. Build first: `npm run build`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { cleanEnv, identityFiles, type IdentityFiles } from "../integration/provider/support.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const ARNS = [
  "--trust-anchor-arn", "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/00000000-0000-0000-0000-000000000001",
  "--profile-arn", "arn:aws:rolesanywhere:us-east-1:123456789012:profile/00000000-0000-0000-0000-000000000002",
  "--role-arn", "arn:aws:iam::123456789012:role/silent",
];
let files: IdentityFiles;
let silent: Server;
let port: number;
let connections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const root = await createRootCa();
  files = identityFiles(await issueClientCertificate(root, { subject: "CN=timeout-e2e" }), "cp-timeout-id-");
  // Accepts, reads, never answers.
  silent = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on("data", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
  port = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent?.close(() => r()));
  files?.remove();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

const base = () => ["credential-process", "--certificate", files.certPath, "--private-key", files.keyPath, ...ARNS, "--endpoint", `http://127.0.0.1:${port}`];

describe("credential-process --timeout", () => {
  it("gives up after the one deadline with one line naming the endpoint (one attempt used it all, none after)", async () => {
    connections = 0;
    const r = await cli([...base(), "--timeout", "2"]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`signing-helper: CreateSession failed: no answer from http://127.0.0.1:${port}/sessions within 2 s (TIMEOUT)`);
    expect(lines[1]).toMatch(/^hint: /);
    expect(lines).toHaveLength(2);
    expect(connections).toBe(1);
    // 3 attempts × 10 s before; now the deadline plus start-up.
    expect(r.ms).toBeLessThan(2000 + 5000);
  });

  it("refuses a --timeout outside 1-600 seconds with exit 2", async () => {
    for (const bad of ["0", "601"]) {
      const r = await cli([...base(), "--timeout", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^signing-helper: --timeout must be from 1 to 600 seconds, not '${bad}'\\n`));
    }
  });
});
