/**
 * The `update` loop in-process against the emulator on 127.0.0.1, on a clock
 * and timers the test moves: the first write keeps every other byte of the file,
 * refreshes happen ahead of expiry and are written, an emulator outage is
 * logged and retried (never fatal), and the loop recovers when it comes back.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.js";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { parseIni, readProfiles } from "../../../src/credentials/ini.js";
import {
  defaultCredentialsFile,
  expandHome,
  startUpdate,
  updateOnce,
  type UpdateEvent,
  type UpdateOptions,
} from "../../../src/outputs/update-runner.js";
import { createCredentialFetcher } from "../../../src/credentials/fetcher.js";
import { resolveSessionConfig } from "../../../src/session/config.js";
import { cleanEnv, createSessions, emulatorFor, identityFiles, makePki, type IdentityFiles, type TestPki } from "../provider/support.js";
import { ManualTimers } from "../../unit/credentials/helpers/manual-timers.js";

const MINUTE = 60_000;

let pki: TestPki;
let files: IdentityFiles;
let work: string;

beforeAll(async () => {
  pki = await makePki();
  files = identityFiles(await pki.issue("update-client"), "update-id-");
  work = mkdtempSync(join(tmpdir(), "update-runner-"));
});
afterAll(() => {
  files?.remove();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const fresh = (name = "credentials") => join(mkdtempSync(join(work, `t${++n}-`)), name);

/** A CreateSession fetcher for `emu`, reading the identity files, on `clock`, one attempt per refresh. */
function fetcherFor(emu: RunningEmulator, clock?: ManualClock) {
  const config = resolveSessionConfig(
    { trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: emu.roleArn, endpoint: emu.endpoint, maxAttempts: 1 },
    cleanEnv(),
  );
  return createCredentialFetcher({ certificate: { path: files.certPath }, privateKey: { path: files.keyPath } }, config, {
    io: { env: cleanEnv() },
    ...(clock ? { clock } : {}),
  });
}

/** Records events and log lines; `next(type)` resolves at the next event of that type. */
function recorder() {
  const events: UpdateEvent[] = [];
  const lines: string[] = [];
  const waiting: Array<{ type: UpdateEvent["type"]; done: (e: UpdateEvent) => void }> = [];
  return {
    events,
    lines,
    log: (l: string) => void lines.push(l),
    onEvent: (e: UpdateEvent) => {
      events.push(e);
      for (const w of waiting.splice(0)) {
        if (w.type === e.type) w.done(e);
        else waiting.push(w);
      }
    },
    next<T extends UpdateEvent["type"]>(type: T): Promise<Extract<UpdateEvent, { type: T }>> {
      return new Promise((done) => waiting.push({ type, done: done as (e: UpdateEvent) => void }));
    },
  };
}

const profileOf = (path: string, profile: string) => readProfiles(parseIni(readFileSync(path, "utf8"))).get(profile);

describe("updateOnce", () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await emulatorFor(pki.root);
  });
  afterAll(() => emu.close());

  it("patches only the target section: comments, other profiles, unknown keys and CRLF lines stay byte for byte", async () => {
    const file = fresh();
    const before =
      "\uFEFF# shared credentials, edited by hand\r\n" +
      "[other]\r\naws_access_key_id = AKIAOTHER\r\naws_secret_access_key = othersecret\r\n\r\n" +
      "; the comment that introduces target\n";
    const section = "[target]\nregion = eu-west-1\nAWS_ACCESS_KEY_ID=OLDKEY\nunknown_key = keep me\n";
    const after = "\n[zzz] # trailing note\r\n#  indented comment\r\nfoo=bar\r\n  continuation line\r\nlast = no newline";
    writeFileSync(file, before + section + after, { mode: 0o644 });

    const rec = recorder();
    // OLDKEY has no session token beside it: a long-term key, which only an explicit option replaces.
    const { credentials, file: result } = await updateOnce({ fetch: fetcherFor(emu), credentialsFile: file, profile: "target", replaceLongTermKeys: true, ...rec });
    const text = readFileSync(file, "utf8");
    expect(text.startsWith(before)).toBe(true);
    expect(text.endsWith(after)).toBe(true);
    // Existing key line keeps its spelling and spacing; missing keys are appended with the file's dominant line end (CRLF here).
    expect(text.slice(before.length, text.length - after.length)).toBe(
      "[target]\nregion = eu-west-1\n" +
        `AWS_ACCESS_KEY_ID=${credentials.accessKeyId}\nunknown_key = keep me\n` +
        `aws_secret_access_key = ${credentials.secretAccessKey.reveal()}\r\naws_session_token = ${credentials.sessionToken.reveal()}\r\n`,
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(result).toMatchObject({ written: true, modeTightenedFrom: 0o644, replaced: ["aws_access_key_id"], createdSection: false });
    expect(rec.lines[0]).toBe(
      `update: wrote credentials for profile 'target' in ${result.path} (access key ${credentials.accessKeyId}, expire ${credentials.expiration.toISOString().replace(/\.\d{3}Z$/, "Z")})`,
    );
    expect(rec.lines[1]).toBe(`update: ${result.path} was readable by others (mode 0644); it is now 0600`);
    expect(rec.lines.join("\n")).not.toContain(credentials.secretAccessKey.reveal());
    expect(rec.lines.join("\n")).not.toContain(credentials.sessionToken.reveal());
  });

  it("creates the directory with mode 0700 and the file with mode 0600", async () => {
    const dir = join(fresh("x"), "..", "new-home", ".aws");
    const file = join(dir, "credentials");
    const { credentials } = await updateOnce({ fetch: fetcherFor(emu), credentialsFile: file });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(profileOf(file, "default")?.get("aws_access_key_id")).toBe(credentials.accessKeyId);
    expect(readFileSync(file, "utf8")).toBe(
      `[default]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey.reveal()}\naws_session_token = ${credentials.sessionToken.reveal()}\n`,
    );
  });
});

describe("startUpdate", () => {
  it("refuses to start when the first CreateSession fails, writing nothing and leaving no timer", async () => {
    const clock = new ManualClock(Date.now());
    const emu = await emulatorFor(pki.root, { clock });
    const timers = new ManualTimers(clock);
    const file = fresh();
    try {
      const config = resolveSessionConfig(
        { trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: `arn:aws:iam::${emu.accountId}:role/not-listed`, endpoint: emu.endpoint },
        cleanEnv(),
      );
      const fetch = createCredentialFetcher({ certificate: { path: files.certPath }, privateKey: { path: files.keyPath } }, config, { clock });
      const rec = recorder();
      await expect(startUpdate({ fetch, credentialsFile: file, clock, refresher: { timers }, ...rec })).rejects.toMatchObject({
        code: "CREATE_SESSION",
        awsCode: "AccessDeniedException",
      });
      expect(existsSync(file)).toBe(false);
      expect(timers.size).toBe(0);
      expect(rec.lines).toEqual([]); // the caller reports the error, once
    } finally {
      await emu.close();
    }
  });

  it("refreshes ahead of expiry, survives an emulator outage with logged retries, and recovers", async () => {
    const clock = new ManualClock(Date.now());
    let emu = await emulatorFor(pki.root, { clock });
    const port = emu.port;
    const timers = new ManualTimers(clock);
    const file = fresh();
    writeFileSync(file, "[keep]\r\naws_access_key_id = AKIAKEEP\r\n");
    const rec = recorder();
    const opts: UpdateOptions = { fetch: fetcherFor(emu, clock), credentialsFile: file, profile: "p", clock, refresher: { timers }, ...rec };
    const running = await startUpdate(opts);
    try {
      const first = profileOf(file, "p")!.get("aws_access_key_id")!;
      expect(createSessions(emu.audit)).toHaveLength(1);
      const firstExpiry = running.refresher.current()!.expiration.getTime();

      // The next refresh is scheduled inside the stale window: 6 to 15 minutes before expiry.
      const due = timers.nextAt()!;
      expect(due).toBeGreaterThanOrEqual(firstExpiry - 15 * MINUTE);
      expect(due).toBeLessThanOrEqual(firstExpiry - 6 * MINUTE);
      expect(rec.lines).toContain(`update: next refresh at ${new Date(due).toISOString().replace(/\.\d{3}Z$/, "Z")}`);

      let refreshed = rec.next("refreshed");
      void timers.runNext();
      await refreshed;
      expect(createSessions(emu.audit)).toHaveLength(2);
      const second = profileOf(file, "p")!.get("aws_access_key_id")!;
      expect(second).not.toBe(first);
      expect(profileOf(file, "keep")?.get("aws_access_key_id")).toBe("AKIAKEEP");

      // Outage: the emulator goes away; refreshes fail, are logged with their retry time, and the file keeps the last good credentials.
      await emu.close();
      const bytesBefore = readFileSync(file);
      void timers.runNext();
      const fail1 = await rec.next("refresh-failed");
      expect(fail1.failures).toBe(1);
      expect(fail1.retryAt).toBe(timers.nextAt());
      expect(rec.lines.some((l) => /^update: refresh failed \(1 in a row\): .+; retrying at \d{4}-/.test(l))).toBe(true);
      expect(rec.lines.some((l) => /^update: the file still holds the previous credentials, valid until /.test(l))).toBe(true);
      void timers.runNext();
      expect((await rec.next("refresh-failed")).failures).toBe(2);
      expect(readFileSync(file).equals(bytesBefore)).toBe(true);
      expect(timers.size).toBe(1); // still scheduled: not fatal

      // Recovery: the emulator is back on the same port.
      emu = await emulatorFor(pki.root, { clock, port });
      refreshed = rec.next("refreshed");
      void timers.runNext();
      await refreshed;
      const third = profileOf(file, "p")!.get("aws_access_key_id")!;
      expect(third).not.toBe(second);
      expect(createSessions(emu.audit)).toHaveLength(1);
      expect(createSessions(emu.audit)[0]!.accessKeyId).toBe(third);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      await running.close();
      await emu.close();
    }
    expect(timers.size).toBe(0);
  });
});

describe("credentials file location", () => {
  it("uses AWS_SHARED_CREDENTIALS_FILE, expanding ~/, else ~/.aws/credentials", () => {
    expect(defaultCredentialsFile({ AWS_SHARED_CREDENTIALS_FILE: "/x/creds" }, "/users/u")).toBe("/x/creds");
    expect(defaultCredentialsFile({ AWS_SHARED_CREDENTIALS_FILE: "~/alt/creds" }, "/users/u")).toBe("/users/u/alt/creds");
    expect(defaultCredentialsFile({ AWS_SHARED_CREDENTIALS_FILE: "  " }, "/users/u")).toBe("/users/u/.aws/credentials");
    expect(defaultCredentialsFile({}, "/users/u")).toBe("/users/u/.aws/credentials");
    expect(defaultCredentialsFile({ HOME: "/users/h" })).toBe("/users/h/.aws/credentials");
    expect(expandHome("rel/creds", "/users/u")).toBe(join(process.cwd(), "rel/creds"));
  });
});
