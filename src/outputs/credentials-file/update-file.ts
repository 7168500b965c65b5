import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, readlink, realpath, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomic, isAtomicTempFor } from "../../credentials/atomic-write.js";
import { withFileLock } from "../../credentials/file-lock.js";
import type { Credentials } from "../../credentials/types.js";
import { ConfigError, RolesAnywhereError } from "../../errors.js";
import { parseIni, patchProfile, serializeIni } from "../../credentials/ini.js";
import { longTermKeysError, longTermKeysReason } from "./long-term-keys.js";

/** What updateCredentialsFile did. @public */
export interface UpdateFileResult {
  /** The file written (a symbolic link resolved when followSymlinks). */
  path: string;
  createdFile: boolean;
  createdDirectory: boolean;
  createdSection: boolean;
  /** Keys whose lines got the new value, in file order. */
  replaced: string[];
  /** Keys appended to the section. */
  added: string[];
  /** False when the file already held exactly these credentials with mode 0600. */
  written: boolean;
  /** The previous mode when it let group or others in; the file is now 0600. */
  modeTightenedFrom?: number;
  /** Temporary files left by a writer that was killed mid-write, removed now. */
  removedTempFiles: number;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** System error codes in words, for the one-line message. */
const ERRNO_WORDS: Record<string, string> = {
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a component of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  ELOOP: "too many symbolic links",
};

function ioError(what: string, err: unknown): RolesAnywhereError {
  const code = errCode(err);
  const why = code ? (ERRNO_WORDS[code] ? `${ERRNO_WORDS[code]} (${code})` : code) : err instanceof Error ? err.message : String(err);
  const hint =
    code === "EISDIR"
      ? "give the path of the credentials file itself (--credentials-file or AWS_SHARED_CREDENTIALS_FILE), e.g. ~/.aws/credentials"
      : "check the path and its permissions";
  return new RolesAnywhereError("IO", `${what}: ${why}`, { cause: err, hint });
}

const euid = (): number | undefined => process.geteuid?.();

/**
 * The file to write. The final component is never followed unless
 * `followSymlinks`: a link planted at the credentials path (say by the user
 * whose home a root job writes into) would otherwise send the write, the
 * temporary file and the mode change to whatever it points at.
 */
async function targetOf(path: string, followSymlinks: boolean): Promise<string> {
  const abs = resolve(path);
  let st;
  try {
    st = await lstat(abs);
  } catch (err) {
    if (errCode(err) === "ENOENT") return abs;
    throw ioError(`credentials file ${abs}`, err);
  }
  if (!st.isSymbolicLink()) return abs;
  const to = await readlink(abs).catch(() => "?");
  const me = euid();
  if (me !== undefined && st.uid !== me && st.uid !== 0) {
    throw new RolesAnywhereError("IO", `credentials file ${abs}: a symbolic link (to ${to}) owned by uid ${st.uid}, not by this user (uid ${me}); not followed`, {
      hint: "run update as the user who owns it, or use --credentials-file with a file of your own",
    });
  }
  if (!followSymlinks) {
    throw new RolesAnywhereError("IO", `credentials file ${abs}: is a symbolic link (to ${to}), not followed; left unchanged`, {
      hint: "point --credentials-file at the real file, replace the link with the file, or pass --follow-symlinks to write the file it points to",
    });
  }
  try {
    return await realpath(abs);
  } catch (err) {
    throw ioError(`credentials file ${abs} (a symbolic link to ${to})`, err);
  }
}

/**
 * The directory the file is replaced in must be this user's (or root's, which
 * this user trusts anyway), and nobody else may write in it unless it is sticky
 * (then others cannot replace or remove this user's files).
 */
async function checkDirectory(dir: string): Promise<void> {
  const me = euid();
  if (me === undefined) return;
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    throw ioError(`credentials directory ${dir}`, err);
  }
  if (st.uid !== me && st.uid !== 0) {
    throw new RolesAnywhereError("IO", `credentials directory ${dir}: owned by uid ${st.uid}, not by this user (uid ${me}); left unchanged`, {
      hint: "run update as the user who owns it, or use --credentials-file with a file in a directory of your own",
    });
  }
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0) {
    throw new RolesAnywhereError(
      "IO",
      `credentials directory ${dir}: writable by every user (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}); left unchanged`,
      { hint: `remove the write permission of others (chmod o-w ${dir}) or use a directory of your own` },
    );
  }
}

async function ensureDir(dir: string): Promise<boolean> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created === undefined) return false;
    await chmod(dir, 0o700);
    return true;
  } catch (err) {
    throw ioError(`credentials directory ${dir}`, err);
  }
}

/** The current file, opened without following a link (O_NOFOLLOW) or blocking on a FIFO; it must be a regular file of this user. */
async function readExisting(path: string): Promise<{ bytes: Buffer; mode: number } | undefined> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errCode(err) === "ENOENT") return undefined;
    if (errCode(err) === "ELOOP") {
      throw new RolesAnywhereError("IO", `credentials file ${path}: became a symbolic link, not followed; left unchanged`, {
        hint: "someone replaced the file with a link while update ran: check who can write to its directory",
      });
    }
    throw ioError(`reading credentials file ${path}`, err);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw ioError(`reading credentials file ${path}`, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
    if (!st.isFile()) throw new RolesAnywhereError("IO", `credentials file ${path}: not a regular file; left unchanged`, { hint: "give the path of a regular file" });
    const me = euid();
    if (me !== undefined && st.uid !== me) {
      throw new RolesAnywhereError("IO", `credentials file ${path}: owned by uid ${st.uid}, not by this user (uid ${me}); left unchanged`, {
        hint: "run update as the user who owns the file, or use --credentials-file with a file of your own",
      });
    }
    return { bytes: await fh.readFile(), mode: st.mode & 0o777 };
  } catch (err) {
    if (err instanceof RolesAnywhereError) throw err;
    throw ioError(`reading credentials file ${path}`, err);
  } finally {
    await fh.close();
  }
}

async function removeOrphans(target: string): Promise<number> {
  const dir = dirname(target);
  let n = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!isAtomicTempFor(target, name)) continue;
    await unlink(join(dir, name)).then(
      () => n++,
      () => undefined,
    );
  }
  return n;
}

/**
 * Writes `creds` into `profile` of the shared credentials file at `path`, keeping
 * every other byte: under the lock `<file>.lock`, reads the file (missing = empty),
 * patches the profile (see patchProfile), and replaces the file atomically with
 * mode 0600 (a wider mode is tightened and reported; a new directory gets 0700).
 * A symbolic link at `path` is refused unless `followSymlinks` (then the real
 * file is replaced, not the link); a file or directory owned by another user
 * (root's directories excepted), or a directory anyone may write without the
 * sticky bit, is refused. A file that is not valid UTF-8 is refused rather
 * than rewritten. A profile holding long-term keys (an `AKIA…` key, or a key
 * without a session token) is refused unless `replaceLongTermKeys`.
 * @public
 */
export async function updateCredentialsFile(
  path: string,
  profile: string,
  creds: Credentials,
  opts: { lockTimeoutMs?: number; followSymlinks?: boolean; replaceLongTermKeys?: boolean } = {},
): Promise<UpdateFileResult> {
  const target = await targetOf(path, opts.followSymlinks === true);
  const createdDirectory = await ensureDir(dirname(target));
  await checkDirectory(dirname(target));
  return withFileLock(
    `${target}.lock`,
    async () => {
      const removedTempFiles = await removeOrphans(target);
      const existing = await readExisting(target);
      const text = existing ? existing.bytes.toString("utf8") : "";
      if (existing && !Buffer.from(text, "utf8").equals(existing.bytes)) {
        throw new ConfigError(`credentials file ${target}: not valid UTF-8, left unchanged`, {
          hint: "fix or remove the bytes that are not UTF-8, or use --credentials-file to write another file",
        });
      }
      // Checked under the lock, on the bytes about to be replaced.
      const longTerm = opts.replaceLongTermKeys ? undefined : longTermKeysReason(text, profile);
      if (longTerm) throw longTermKeysError(target, profile, longTerm);
      const patch = patchProfile(parseIni(text), profile, {
        aws_access_key_id: creds.accessKeyId,
        aws_secret_access_key: creds.secretAccessKey.reveal(),
        aws_session_token: creds.sessionToken.reveal(),
      });
      const out = serializeIni(patch.doc);
      const result: UpdateFileResult = {
        path: target,
        createdFile: !existing,
        createdDirectory,
        createdSection: patch.createdSection,
        replaced: patch.replaced,
        added: patch.added,
        written: false,
        removedTempFiles,
      };
      if (existing && (existing.mode & 0o077) !== 0) result.modeTightenedFrom = existing.mode;
      if (existing && out === text && existing.mode === 0o600) return result;
      await writeFileAtomic(target, out, { mode: 0o600, dirMode: 0o700 });
      result.written = true;
      return result;
    },
    { timeoutMs: opts.lockTimeoutMs ?? 30_000 },
  );
}
