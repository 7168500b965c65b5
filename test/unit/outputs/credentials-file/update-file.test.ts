import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateCredentialsFile } from "../../../../src/outputs/credentials-file/update-file.js";
import { makeCredentials } from "../../credentials/helpers/make-credentials.js";

const EXP = Date.UTC(2030, 0, 1, 13, 0, 0);
let root: string;
let n = 0;
const fresh = () => {
  const d = join(root, `case-${++n}`);
  mkdirSync(d);
  return d;
};
const mode = (p: string) => statSync(p).mode & 0o777;
const KEYS = (id: number) =>
  `aws_access_key_id = ASIATEST${String(id).padStart(8, "0")}\naws_secret_access_key = SECRET-${id}\naws_session_token = TOKEN-${id}\n`;

const hasBotocore = spawnSync("python3", ["-c", "import botocore.configloader"], { stdio: "ignore" }).status === 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "update-file-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("updateCredentialsFile", () => {
  it("creates ~/.aws (0700) and the file (0600) with just the profile", async () => {
    const home = fresh();
    const file = join(home, ".aws", "credentials");
    const r = await updateCredentialsFile(file, "default", makeCredentials(1, EXP));
    expect(readFileSync(file, "utf8")).toBe(`[default]\n${KEYS(1)}`);
    expect(mode(join(home, ".aws"))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    expect(r).toMatchObject({ path: file, createdFile: true, createdDirectory: true, createdSection: true, written: true, removedTempFiles: 0 });
    expect(readdirSync(join(home, ".aws"))).toEqual(["credentials"]);
  });

  it("keeps comments, other profiles and CRLF lines byte for byte", async () => {
    const d = fresh();
    const file = join(d, "credentials");
    const before =
      "# managed by hand\r\n[prod]\r\naws_access_key_id = AKIAPROD\r\naws_secret_access_key = prodsecret\r\n\r\n" +
      "[dev]\naws_access_key_id = OLD\naws_secret_access_key = OLD\naws_session_token = OLD\nregion = eu-west-1\n\n; end";
    writeFileSync(file, before, { mode: 0o600 });
    const r = await updateCredentialsFile(file, "dev", makeCredentials(2, EXP));
    expect(readFileSync(file, "utf8")).toBe(
      "# managed by hand\r\n[prod]\r\naws_access_key_id = AKIAPROD\r\naws_secret_access_key = prodsecret\r\n\r\n" +
        "[dev]\naws_access_key_id = ASIATEST00000002\naws_secret_access_key = SECRET-2\naws_session_token = TOKEN-2\nregion = eu-west-1\n\n; end",
    );
    expect(r).toMatchObject({ createdFile: false, createdSection: false, replaced: ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"], added: [] });
    expect(r.modeTightenedFrom).toBeUndefined();
  });

  it("tightens a wider mode to 0600 and says so", async () => {
    const d = fresh();
    const file = join(d, "credentials");
    writeFileSync(file, "[a]\nk = v\n");
    chmodSync(file, 0o644);
    const r = await updateCredentialsFile(file, "a", makeCredentials(3, EXP));
    expect(mode(file)).toBe(0o600);
    expect(r.modeTightenedFrom).toBe(0o644);
    expect(readFileSync(file, "utf8")).toBe(`[a]\nk = v\n${KEYS(3)}`);
  });

  it("does not rewrite a file that already holds these credentials", async () => {
    const d = fresh();
    const file = join(d, "credentials");
    await updateCredentialsFile(file, "default", makeCredentials(4, EXP));
    const again = await updateCredentialsFile(file, "default", makeCredentials(4, EXP));
    expect(again.written).toBe(false);
  });

  it("with followSymlinks, replaces the real file behind a symbolic link and keeps the link", async () => {
    const d = fresh();
    mkdirSync(join(d, "dotfiles"));
    const real = join(d, "dotfiles", "credentials");
    writeFileSync(real, "[x]\nk = v\n", { mode: 0o600 });
    const link = join(d, "credentials");
    symlinkSync(real, link);
    const r = await updateCredentialsFile(link, "x", makeCredentials(5, EXP), { followSymlinks: true });
    expect(r.path).toBe(real);
    expect(readFileSync(real, "utf8")).toBe(`[x]\nk = v\n${KEYS(5)}`);
    expect(statSync(link, { throwIfNoEntry: true }).isFile()).toBe(true);
    expect(readFileSync(link, "utf8")).toBe(readFileSync(real, "utf8"));
    const { lstatSync } = await import("node:fs");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it("refuses to rewrite a file that is not UTF-8, and leaves it as it was", async () => {
    const d = fresh();
    const file = join(d, "credentials");
    const bytes = Buffer.from([0x5b, 0x61, 0x5d, 0x0a, 0x23, 0xff, 0xfe, 0x0a]);
    writeFileSync(file, bytes, { mode: 0o600 });
    await expect(updateCredentialsFile(file, "a", makeCredentials(6, EXP))).rejects.toMatchObject({
      code: "CONFIG",
      message: `credentials file ${file}: not valid UTF-8, left unchanged`,
    });
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("says in words that a directory given as the file is a directory, and names what to give", async () => {
    const d = fresh();
    const err = await updateCredentialsFile(d, "default", makeCredentials(9, EXP)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; hint?: string },
    );
    expect(err).toMatchObject({ code: "IO", message: `reading credentials file ${d}: is a directory, not a file (EISDIR)` });
    expect(err?.hint).toMatch(/path of the credentials file itself/);
    expect(existsSync(`${d}.lock`)).toBe(false);
  });

  it("removes temporary files left by a killed writer", async () => {
    const d = fresh();
    const file = join(d, "credentials");
    writeFileSync(join(d, ".credentials.0123456789ab.tmp"), "[default]\naws_access_key_id = HALF");
    writeFileSync(join(d, ".other.0123456789ab.tmp"), "not ours");
    const r = await updateCredentialsFile(file, "default", makeCredentials(7, EXP));
    expect(r.removedTempFiles).toBe(1);
    expect(readdirSync(d).sort()).toEqual([".other.0123456789ab.tmp", "credentials"]);
  });

  it.skipIf(!hasBotocore)("writes a file botocore reads the profile from (needs python3 with botocore)", async () => {
    const d = fresh();
    const file = join(d, "credentials");
    writeFileSync(file, "# c\r\n[other]\r\naws_access_key_id = AKIAOTHER\r\n\r\n[default]\nregion = us-east-1\n", { mode: 0o600 });
    await updateCredentialsFile(file, "default", makeCredentials(8, EXP));
    const py = spawnSync(
      "python3",
      ["-c", "import json,sys,botocore.configloader as c; print(json.dumps(c.raw_config_parse(sys.argv[1])))", file],
      { encoding: "utf8" },
    );
    expect(py.status, py.stderr).toBe(0);
    expect(JSON.parse(py.stdout)).toEqual({
      other: { aws_access_key_id: "AKIAOTHER" },
      default: { region: "us-east-1", aws_access_key_id: "ASIATEST00000008", aws_secret_access_key: "SECRET-8", aws_session_token: "TOKEN-8" },
    });
  });
});

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe("updateCredentialsFile: links and other users' files", () => {
  it("refuses a symbolic link at the path by default and leaves the file it points to as it was", async () => {
    const d = fresh();
    const real = join(d, "target");
    writeFileSync(real, "[x]\nk = v\n", { mode: 0o644 });
    const link = join(d, "credentials");
    symlinkSync(real, link);
    await expect(updateCredentialsFile(link, "x", makeCredentials(7, EXP))).rejects.toMatchObject({
      code: "IO",
      message: `credentials file ${link}: is a symbolic link (to ${real}), not followed; left unchanged`,
      hint: expect.stringContaining("--follow-symlinks"),
    });
    expect(readFileSync(real, "utf8")).toBe("[x]\nk = v\n");
    expect(mode(real)).toBe(0o644);
    expect(readdirSync(d).sort()).toEqual(["credentials", "target"]);
  });

  it("refuses a directory anyone may write that is not sticky", async () => {
    const d = fresh();
    chmodSync(d, 0o777);
    const file = join(d, "credentials");
    await expect(updateCredentialsFile(file, "x", makeCredentials(8, EXP))).rejects.toMatchObject({
      code: "IO",
      message: `credentials directory ${d}: writable by every user (mode 0777); left unchanged`,
    });
    expect(existsSync(file)).toBe(false);
    chmodSync(d, 0o1777);
    await expect(updateCredentialsFile(file, "x", makeCredentials(8, EXP))).resolves.toMatchObject({ written: true });
  });

  // Root (CI) makes files owned by another user; as root the write must not touch them.
  it.skipIf(!isRoot)("as root: refuses another user's file, directory and symbolic link, even with followSymlinks (needs root)", async () => {
    const { chownSync, lchownSync } = await import("node:fs");
    const d = fresh();
    // Another user's file in a directory of this user.
    const theirs = join(d, "theirs");
    writeFileSync(theirs, "[x]\n", { mode: 0o644 });
    chownSync(theirs, NOBODY, NOBODY);
    await expect(updateCredentialsFile(theirs, "x", makeCredentials(9, EXP))).rejects.toMatchObject({
      code: "IO",
      message: `credentials file ${theirs}: owned by uid ${NOBODY}, not by this user (uid 0); left unchanged`,
    });
    expect(readFileSync(theirs, "utf8")).toBe("[x]\n");
    expect(mode(theirs)).toBe(0o644);
    // A directory of another user (their ~/.aws).
    const home = join(d, "home");
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, NOBODY, NOBODY);
    await expect(updateCredentialsFile(join(home, "credentials"), "x", makeCredentials(9, EXP))).rejects.toMatchObject({
      code: "IO",
      message: `credentials directory ${home}: owned by uid ${NOBODY}, not by this user (uid 0); left unchanged`,
    });
    expect(readdirSync(home)).toEqual([]);
    // Their link to a file of root's: refused also when links may be followed.
    const victim = join(d, "victim");
    writeFileSync(victim, "root: keep\n", { mode: 0o600 });
    const mine = join(d, "mine");
    mkdirSync(mine);
    const link = join(mine, "credentials");
    symlinkSync(victim, link);
    lchownSync(link, NOBODY, NOBODY);
    for (const followSymlinks of [false, true]) {
      await expect(updateCredentialsFile(link, "x", makeCredentials(9, EXP), { followSymlinks })).rejects.toMatchObject({
        code: "IO",
        message: `credentials file ${link}: a symbolic link (to ${victim}) owned by uid ${NOBODY}, not by this user (uid 0); not followed`,
      });
    }
    expect(readFileSync(victim, "utf8")).toBe("root: keep\n");
    expect(mode(victim)).toBe(0o600);
    expect(readdirSync(d).sort()).toEqual(["home", "mine", "theirs", "victim"]);
  });
});
