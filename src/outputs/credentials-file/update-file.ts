import { chmod, mkdir, open, readdir, realpath, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { writeFileAtomic, isAtomicTempFor } from "../../credentials/atomic-write.js";
import { withFileLock } from "../../credentials/file-lock.js";
import type { Credentials } from "../../credentials/types.js";
import { ConfigError, RolesAnywhereError } from "../../errors.js";
import { parseIni, patchProfile, serializeIni } from "./ini.js";

/** What updateCredentialsFile did. @public */
export interface UpdateFileResult {
  /** The file written (symbolic links resolved). */
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

async function targetOf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if (errCode(err) === "ENOENT") return resolve(path);
    throw ioError(`credentials file ${path}`, err);
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

async function readExisting(path: string): Promise<{ bytes: Buffer; mode: number; uid: number; gid: number } | undefined> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (err) {
    if (errCode(err) === "ENOENT") return undefined;
    throw ioError(`reading credentials file ${path}`, err);
  }
  try {
    const st = await fh.stat();
    return { bytes: await fh.readFile(), mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
  } catch (err) {
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
 * Symbolic links are followed, so the real file is replaced, not the link.
 * A file that is not valid UTF-8 is refused rather than rewritten.
 * @public
 */
export async function updateCredentialsFile(
  path: string,
  profile: string,
  creds: Credentials,
  opts: { lockTimeoutMs?: number } = {},
): Promise<UpdateFileResult> {
  const target = await targetOf(path);
  const createdDirectory = await ensureDir(dirname(target));
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
      // Running as root on someone's file: the new file stays theirs.
      const chown = existing && process.getuid?.() === 0 && existing.uid !== 0 ? { uid: existing.uid, gid: existing.gid } : undefined;
      await writeFileAtomic(target, out, { mode: 0o600, dirMode: 0o700, ...(chown ? { chown } : {}) });
      result.written = true;
      return result;
    },
    { timeoutMs: opts.lockTimeoutMs ?? 30_000 },
  );
}
