import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIni, readProfiles } from "../../../src/credentials/ini.js";
import { bundleForChild } from "../../unit/credentials/helpers/children.js";

const TOTAL = 200;

/** The whole file after update number `i` (0 = the seed). */
function fileAt(i: number): string {
  return (
    "# credentials for the kill test\r\n" +
    "[prod]\r\naws_access_key_id = AKIAPROD\r\naws_secret_access_key = prodsecret\r\n\r\n" +
    "[target]\nregion = us-east-1\n" +
    `aws_access_key_id = ASIA${String(i).padStart(12, "0")}\naws_secret_access_key = SECRET-${i}\naws_session_token = TOKEN-${i}-${"t".repeat(i % 37)}\n` +
    "\n; tail comment\n[tail]\nx = y"
  );
}

const CHILD = (url: string) => `
const { updateCredentialsFile } = await import(${JSON.stringify(url)});
const [file, from, to] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));
const secret = (v) => ({ reveal: () => v });
process.stdout.write("ready\\n");
for (let i = from; i <= to; i++) {
  await updateCredentialsFile(file, "target", {
    accessKeyId: "ASIA" + String(i).padStart(12, "0"),
    secretAccessKey: secret("SECRET-" + i),
    sessionToken: secret("TOKEN-" + i + "-" + "t".repeat(i % 37)),
    expiration: new Date(), expirationRaw: "", accountId: "123456789012", roleArn: "arn:aws:iam::123456789012:role/demo",
  }, { lockTimeoutMs: 10000 });
  process.stdout.write("done " + i + "\\n");
}
`;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "update-kill-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("update under SIGKILL", () => {
  it("never leaves a torn file: every snapshot is a whole file holding the other profiles", async () => {
    const script = join(work, "writer.mjs");
    writeFileSync(script, CHILD(bundleForChild("src/outputs/credentials-file/update-file.ts", work)));
    const file = join(work, "credentials");
    writeFileSync(file, fileAt(0), { mode: 0o600 });

    let done = 0;
    let kills = 0;
    let snapshots = 0;
    let lastSeen = 0;
    const problems: string[] = [];
    let writing = true;
    let stalled = false;

    const reader = (async () => {
      while (writing) {
        const text = readFileSync(file, "utf8");
        snapshots++;
        const m = /aws_access_key_id = ASIA(\d{12})/.exec(text);
        const i = m ? Number(m[1]) : -1;
        if (i < 0 || text !== fileAt(i)) problems.push(`snapshot ${snapshots} is not a whole file: ${JSON.stringify(text.slice(0, 400))}`);
        if (i < lastSeen) problems.push(`snapshot ${snapshots} went back from ${lastSeen} to ${i}`);
        lastSeen = Math.max(lastSeen, i);
        const profiles = readProfiles(parseIni(text));
        if (profiles.get("prod")?.get("aws_secret_access_key") !== "prodsecret" || profiles.get("tail")?.get("x") !== "y") {
          problems.push(`snapshot ${snapshots} lost a profile`);
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    })();

    const started = Date.now();
    while (done < TOTAL && problems.length === 0) {
      const child = spawn(process.execPath, [script, file, String(done + 1), String(TOTAL)], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on("close", (code, signal) => r({ code, signal })));
      // After a run that made no progress (a loaded machine), arm the killer only once
      // this run has finished an update, so the test always moves forward.
      const waitFor = stalled ? /done \d+\n/ : /ready\n/;
      const armed = new Promise<void>((r) =>
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (waitFor.test(out)) r();
        }),
      );
      await Promise.race([armed, exited]);
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL");
          kills++;
        }
      }, Math.random() * 80);
      const { code, signal } = await exited;
      clearTimeout(killer);
      const last = [...out.matchAll(/done (\d+)/g)].at(-1);
      const before = done;
      if (last) done = Number(last[1]);
      stalled = done === before;
      if (signal !== "SIGKILL") expect(code, err).toBe(0);
      expect(Date.now() - started, "took too long").toBeLessThan(60_000);
    }
    writing = false;
    await reader;

    console.log(`update under SIGKILL: ${done} of ${TOTAL} updates, ${kills} kills, ${snapshots} snapshots, ${Date.now() - started} ms`);
    expect(problems.slice(0, 3)).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(snapshots).toBeGreaterThan(100);
    expect(readFileSync(file, "utf8")).toBe(fileAt(TOTAL));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The last writer finished normally: it removed leftovers of killed ones, and its lock.
    expect(readdirSync(work).sort()).toEqual(["credentials", "update-file.mjs", "writer.mjs"]);
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 120_000);
});
