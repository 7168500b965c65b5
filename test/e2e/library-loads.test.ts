/**
 * What the published library loads (dist/lib, as a user's program imports it):
 * importing the main entry, and a `fromRolesAnywhere()` call with PEM keys
 * against the emulator, load none of the X.509 and PKCS#12 libraries
 * (@peculiar/x509, pkijs, node-forge, reflect-metadata); they belong to the
 * emulator, the PKI and PKCS#12 files. A child Node.js records every module it
 * resolves through the public module hooks API (node:module register) and
 * require.cache (test/helpers/record-loads/).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ROLE, type World } from "../integration/credential-process/world.js";
import { useE2eWorld } from "../helpers/e2e-world.js";
import { ROOT } from "../helpers/fixtures.js";

const LIB = join(ROOT, "dist/lib/index.js");
const REGISTER = join(ROOT, "test/helpers/record-loads/register.mjs");
const HEAVY = ["@peculiar/x509", "pkijs", "node-forge", "reflect-metadata", "asn1js", "@peculiar/asn1-schema"];

let w: World;
let dir: string;
useE2eWorld("library-loads-", (world, d) => {
  w = world;
  dir = d;
});

/** The npm packages among the loaded URLs (by their node_modules folder). */
function packagesOf(urls: string[]): string[] {
  const names = urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((n): n is string => n !== undefined);
  return [...new Set(names)].sort();
}

/** Runs `script` (an ES module body) in a child Node.js that records what it loads. */
function runRecorded(script: string, name: string): Promise<{ code: number; stdout: string; stderr: string; urls: string[] }> {
  const report = join(dir, `${name}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", pathToFileURL(REGISTER).href, "--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, HOME: dir, LOADS_REPORT: report },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const urls = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as string[]) : [];
      resolve({ code: code ?? -1, stdout, stderr, urls });
    });
  });
}

describe("the library's module loads (built dist/lib)", () => {
  it("importing the main entry loads no X.509, ASN.1 or PKCS#12 library", async () => {
    const r = await runRecorded(`await import(${JSON.stringify(pathToFileURL(LIB).href)}); await globalThis.reportLoads();`, "import");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The recorder sees the package's own modules (so an empty list below is not a blind spot).
    expect(r.urls.some((u) => u.endsWith("/dist/lib/index.js"))).toBe(true);
    expect(packagesOf(r.urls).filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it("fromRolesAnywhere() with PEM keys gets credentials from the emulator without loading them either", async () => {
    const init = {
      certificate: readFileSync(w.ec.cert, "utf8"),
      privateKey: readFileSync(w.ec.key, "utf8"),
      trustAnchorArn: w.trustAnchorArn,
      profileArn: w.profileArn,
      roleArn: ROLE,
      endpoint: w.emu.endpoint,
      env: {},
    };
    const script = `
      const { fromRolesAnywhere } = await import(${JSON.stringify(pathToFileURL(LIB).href)});
      const id = await fromRolesAnywhere(${JSON.stringify(init)})();
      await globalThis.reportLoads();
      process.stdout.write(id.accessKeyId);`;
    const r = await runRecorded(script, "provider");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ASIA/);
    const packages = packagesOf(r.urls);
    // The recorder saw the lazily loaded CreateSession path (identity loading, signing, the session client).
    for (const m of ["credentials/fetch-steps.js", "identity/load.js", "signer/key-signer.js", "session/create-session.js"]) {
      expect(r.urls.some((u) => u.endsWith(`/dist/lib/${m}`)), m).toBe(true);
    }
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it("the recorder does see those libraries when the emulator's code is imported (the checks above can fail)", async () => {
    const emulator = pathToFileURL(join(ROOT, "dist/lib/emulator/index.js")).href;
    const r = await runRecorded(`await import(${JSON.stringify(emulator)}); await globalThis.reportLoads();`, "emulator");
    expect(r.code).toBe(0);
    expect(packagesOf(r.urls)).toEqual(expect.arrayContaining(["@peculiar/x509", "pkijs"]));
  });
});
