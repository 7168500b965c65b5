/**
 * credential-process never prints credentials that have already expired (an
 * endpoint or this machine with a wrong clock), with or without --cache, and
 * never caches them. The emulator's clock runs two hours behind (its clock-skew
 * allowance widened so it still takes the requests), so what it mints expires
 * an hour before this machine's time. Build first: `npm run build`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../src/pki/index.js";
import { cleanEnv, identityFiles, type IdentityFiles } from "../integration/provider/support.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const HOUR = 3600_000;
let emu: RunningEmulator;
let files: IdentityFiles;
let work: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const notBefore = new Date(Date.now() - 3 * HOUR);
  const root = await createRootCa({ notBefore });
  const client = await issueClientCertificate(root, { subject: "CN=expired-e2e", notBefore });
  files = identityFiles(client, "cp-expired-id-");
  emu = await startEmulator({ trustAnchorCertPem: root.certPem, clock: new ManualClock(Date.now() - 2 * HOUR), clockSkewSeconds: 3 * 3600 });
  work = mkdtempSync(join(tmpdir(), "cp-expired-"));
});
afterAll(async () => {
  await emu?.close();
  files?.remove();
  if (work) rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("credential-process and expired credentials", () => {
  it("refuses them with exit 1 and one error line naming the clocks, with and without --cache, and caches nothing", async () => {
    const xdg = join(work, "xdg");
    const args = [
      "credential-process",
      "--certificate", files.certPath,
      "--private-key", files.keyPath,
      "--trust-anchor-arn", emu.trustAnchorArn,
      "--profile-arn", emu.profileArn,
      "--role-arn", emu.roleArn,
      "--endpoint", emu.endpoint,
    ];
    for (const extra of [[], ["--cache"]]) {
      const r = await cli([...args, ...extra], cleanEnv({ HOME: work, XDG_CACHE_HOME: xdg }));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /^signing-helper: the credentials obtained expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, before this machine's time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: not printed$/m,
      );
      expect(r.stderr).toMatch(/^hint: check this machine's clock/m);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    const cacheDir = join(xdg, "rolesanywhere-signing-helper");
    expect(existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith(".json")) : []).toEqual([]);
  });
});
