import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promptPasswordOnTty } from "../../../src/identity/prompt.js";
import { ROOT } from "./helpers.js";

const hasPython = spawnSync("python3", ["-c", "import pty"], { stdio: "ignore" }).status === 0;
const dir = mkdtempSync(join(tmpdir(), "identity-prompt-"));
const child = join(dir, "child.mjs");

beforeAll(() => {
  // A tiny program that prompts once and prints what it got, built from the real module.
  buildSync({
    stdin: {
      contents: `import { promptPasswordOnTty } from ${JSON.stringify(join(ROOT, "src/identity/prompt.ts"))};
        const value = await promptPasswordOnTty("private key (file /k.pem)");
        process.stdout.write("RESULT:" + JSON.stringify(value ?? null) + "\\n");`,
      resolveDir: ROOT,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: child,
    logLevel: "silent",
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child in a new session (setsid), so it has no controlling terminal. */
function runWithoutTerminal(): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child], { detached: true, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.on("error", reject);
    p.on("close", () => resolve(out));
  });
}

/** Runs the child on a pseudo-terminal made by python's pty module, types `keys`, returns all it printed. */
function runOnPty(keys: string): string {
  const script = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], sys.argv[2]])
out = b""
def pump(until, limit=30):
    global out
    end = time.time() + limit
    while until not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
pump(b"Enter password for")
os.write(fd, sys.argv[3].encode())
pump(b"RESULT:")
pump(b"\\n", 5)
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
`;
  const r = spawnSync("python3", ["-c", script, process.execPath, child, keys], { encoding: "utf8", timeout: 60_000 });
  return r.stdout;
}

describe("promptPasswordOnTty", () => {
  it("answers undefined, without prompting, when no terminal is attached", async () => {
    const out = await runWithoutTerminal();
    expect(out).toBe("RESULT:null\n");
  });

  it("answers undefined when the terminal path cannot be opened", async () => {
    expect(await promptPasswordOnTty("x", join(dir, "no-such-tty"))).toBeUndefined();
  });

  it("answers undefined for a path that is not a terminal", async () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "password\n");
    expect(await promptPasswordOnTty("x", file)).toBeUndefined();
  });

  it.skipIf(!hasPython)("reads a line from the terminal with echo off, Backspace editing it (needs python3 for a pty)", () => {
    const out = runOnPty("s3cr\u007fcret\r");
    expect(out).toContain("Enter password for private key (file /k.pem): ");
    expect(out).toContain('RESULT:"s3ccret"');
    const beforeResult = out.slice(0, out.indexOf("RESULT:"));
    expect(beforeResult).not.toContain("s3c");
  });

  it.skipIf(!hasPython)("gives up on Ctrl-C (needs python3 for a pty)", () => {
    expect(runOnPty("abc\u0003")).toContain("RESULT:null");
  });
});
