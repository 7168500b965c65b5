import { randomBytes } from "node:crypto";
import { open, readdir, readFile, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { RolesAnywhereError } from "../errors.js";

/** Options of {@link withFileLock}. @public */
export interface FileLockOptions {
  /** Give up waiting after this long (default 30 s): a RolesAnywhereError with code TIMEOUT. */
  timeoutMs?: number;
  /**
   * A lock not touched for this long is abandoned and removed (default 30 s). The
   * holder touches its lock every staleMs/3, so a long critical section stays held.
   * A lock whose owner pid is dead on this host is removed at once.
   */
  staleMs?: number;
  /** First polling delay (default 20 ms); doubles up to 250 ms, each jittered. */
  pollMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  time: number;
  token: string;
}

type Holder = { state: "gone" } | { state: "stale"; content: string } | { state: "held"; pid?: number };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function ioError(lockPath: string, err: unknown): RolesAnywhereError {
  const why = errCode(err) ?? (err instanceof Error ? err.message : String(err));
  return new RolesAnywhereError("IO", `lock ${lockPath}: ${why}`, {
    cause: err,
    hint: "check that the directory exists and is writable by this user",
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === "EPERM";
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === "number" && typeof o.host === "string" && typeof o.token === "string") return o as LockOwner;
  } catch {
    // torn or foreign content
  }
  return undefined;
}

async function inspectHolder(lockPath: string, staleMs: number): Promise<Holder> {
  let content: string;
  let mtimeMs: number;
  try {
    content = await readFile(lockPath, "utf8");
    mtimeMs = (await stat(lockPath)).mtimeMs;
  } catch (err) {
    if (errCode(err) === "ENOENT") return { state: "gone" };
    throw ioError(lockPath, err);
  }
  const age = Date.now() - mtimeMs;
  const owner = parseOwner(content);
  if (!owner) {
    // Written right after creation, so unreadable content that stays is a crash mid-write.
    return age > Math.min(staleMs, 5000) ? { state: "stale", content } : { state: "held" };
  }
  if (owner.host === hostname() && owner.pid !== process.pid && !pidAlive(owner.pid)) return { state: "stale", content };
  if (age > staleMs) return { state: "stale", content };
  return { state: "held", pid: owner.pid };
}

/**
 * Removes a stale lock, never a live one. Breakers serialise on a second lock
 * file (`<lock>.break`), then re-check under it: the content must still be
 * exactly what was judged stale, its owner must still be dead (or the file
 * still untouched for staleMs), and the content is read once more right before
 * the unlink. A dead owner cannot release any more, no one can create the lock
 * while the stale file exists, and only the breaker-holder removes it, so the
 * file unlinked is the stale one. (Renaming the lock aside and putting it back,
 * as an earlier version did, could remove a lock taken in between: two holders.)
 */
async function breakStale(lockPath: string, expected: string, staleMs: number): Promise<boolean> {
  const breaker = `${lockPath}.break`;
  if (!(await tryCreate(breaker, `${process.pid}\n`))) {
    // Another process is breaking it. A breaker file left by a crash is old: remove it.
    const st = await stat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 5000) await unlink(breaker).catch((err: unknown) => cannotRemove(breaker, err));
    return false;
  }
  try {
    const first = await readFile(lockPath, "utf8").catch(() => undefined);
    if (first !== expected) return false;
    const owner = parseOwner(expected);
    let stale: boolean;
    if (owner && owner.host === hostname() && owner.pid !== process.pid && !pidAlive(owner.pid)) stale = true;
    else {
      const st = await stat(lockPath).catch(() => undefined);
      if (!st) return false;
      const age = Date.now() - st.mtimeMs;
      stale = owner ? age > staleMs : age > Math.min(staleMs, 5000);
    }
    if (!stale) return false;
    const again = await readFile(lockPath, "utf8").catch(() => undefined);
    if (again !== expected) return false;
    await unlink(lockPath).catch((err: unknown) => cannotRemove(lockPath, err));
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/**
 * A stale lock that this user may not remove (another user's file in a sticky
 * directory, a read-only directory): waiting cannot help, so it is an error at
 * once. A file already gone is fine.
 */
async function cannotRemove(path: string, err: unknown): Promise<void> {
  const code = errCode(err);
  if (code === "ENOENT") return;
  const st = await stat(path).catch(() => undefined);
  const whose = st && st.uid !== process.getuid?.() ? ` (it belongs to uid ${st.uid})` : "";
  throw new RolesAnywhereError("IO", `lock ${path}: abandoned by its holder but cannot be removed${whose}: ${code ?? String(err)}`, {
    cause: err,
    hint: `delete ${path} as its owner or an administrator, or use a directory of your own`,
  });
}

async function tryCreate(lockPath: string, content: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockPath, "wx", 0o600);
  } catch (err) {
    if (errCode(err) === "EEXIST") return false;
    throw ioError(lockPath, err);
  }
  try {
    await fh.writeFile(content);
    await fh.close();
    return true;
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw ioError(lockPath, err);
  }
}

/** Removes what breakStale left behind when a process was killed in the middle of it. */
async function removeGraves(lockPath: string): Promise<void> {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.stale-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && /^[0-9a-f]{12}$/.test(name.slice(prefix.length))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

async function release(lockPath: string, content: string): Promise<void> {
  const now = await readFile(lockPath, "utf8").catch(() => undefined);
  if (now === content) await unlink(lockPath).catch(() => undefined);
}

/**
 * Runs `fn` while holding a cross-process lock: the exclusive creation of
 * `lockPath` (holding pid, host, time and a random token). Waits by polling with
 * jitter up to `timeoutMs`; removes abandoned locks (dead pid on this host, or
 * untouched for `staleMs`); always releases the lock, also when `fn` throws.
 * The parent directory must exist.
 * @public
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleMs = opts.staleMs ?? 30_000;
  let delay = opts.pollMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let content: string;
  for (;;) {
    const owner: LockOwner = { pid: process.pid, host: hostname(), time: Date.now(), token: randomBytes(12).toString("hex") };
    content = JSON.stringify(owner) + "\n";
    if (await tryCreate(lockPath, content)) break;
    const holder = await inspectHolder(lockPath, staleMs);
    // Every way round the loop checks the deadline and sleeps: a lock that keeps
    // coming back (or a breaker that keeps losing) never spins the CPU.
    const retrySoon = holder.state === "gone" || (holder.state === "stale" && (await breakStale(lockPath, holder.content, staleMs)));
    const left = deadline - Date.now();
    if (left <= 0) {
      const who = holder.state === "held" && holder.pid !== undefined ? `process ${holder.pid}` : "another process";
      throw new RolesAnywhereError("TIMEOUT", `lock ${lockPath}: still held by ${who} after ${timeoutMs / 1000} s`, {
        hint: `if no other signing-helper is running, delete ${lockPath}`,
      });
    }
    if (retrySoon) {
      // Gone or just removed: try again soon, but not at once.
      await sleep(Math.min(left, 1 + Math.random() * 4));
    } else {
      await sleep(Math.min(left, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, 250);
    }
  }
  await removeGraves(lockPath);
  const beat = setInterval(() => {
    const t = new Date();
    utimes(lockPath, t, t).catch(() => undefined);
  }, Math.max(100, Math.floor(staleMs / 3)));
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    await release(lockPath, content);
  }
}
