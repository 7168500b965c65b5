import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * Bundles one module of src/ (with what it imports) into `outDir` as plain ESM,
 * so child processes run the current source without a dist/ build.
 * Returns the file: URL to import.
 */
export function bundleForChild(srcRelative: string, outDir: string): string {
  const esbuild = require("esbuild") as typeof import("esbuild");
  const outfile = join(outDir, basename(srcRelative).replace(/\.ts$/, ".mjs"));
  esbuild.buildSync({
    entryPoints: [join(root, srcRelative)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "error",
  });
  return pathToFileURL(outfile).href;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts one Node process per argument list running `scriptPath`, waits until
 * each has printed "ready", then creates `goPath` (a start barrier the scripts
 * poll for) and waits for all of them to exit.
 */
export async function runChildren(scriptPath: string, argLists: string[][], goPath: string): Promise<ChildResult[]> {
  let ready = 0;
  let release!: () => void;
  const allReady = new Promise<void>((r) => (release = r));
  const done = argLists.map(
    (args) =>
      new Promise<ChildResult>((resolve) => {
        const child = spawn(process.execPath, [scriptPath, ...args], {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, GO_FILE: goPath },
        });
        let stdout = "";
        let stderr = "";
        let saidReady = false;
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (!saidReady && stdout.includes("ready\n")) {
            saidReady = true;
            if (++ready === argLists.length) release();
          }
        });
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code, signal) => {
          if (!saidReady && ++ready === argLists.length) release();
          saidReady = true;
          resolve({ code, signal, stdout, stderr });
        });
      }),
  );
  await allReady;
  writeFileSync(goPath, "go");
  return Promise.all(done);
}

/** A script prelude: print "ready", then wait for the go file named by GO_FILE. */
export const BARRIER = `
import { existsSync as __exists } from "node:fs";
process.stdout.write("ready\\n");
while (!__exists(process.env.GO_FILE)) await new Promise((r) => setTimeout(r, 5));
`;
