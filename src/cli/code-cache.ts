/**
 * A V8 code cache for the big chunks of the bundled CLI that a CreateSession
 * loads (identity loading, signing, the client: some 100 KB of JavaScript).
 * Compiling them, and then each function they run, costs a fresh
 * `credential-process` a few milliseconds of a start-up budget of some 25;
 * with the cache V8 skips both. Node.js 22.1+ has this built in
 * (module.enableCompileCache), which is used there; on Node.js 20 the CLI's
 * own chunks are compiled through vm.Script with cached data instead.
 *
 * Safety, since a code cache is code:
 * - the files live in a directory of this user's that nobody else may write
 *   (checked before use; created 0700, files 0600, written atomically);
 * - release builds of V8 do not check cached data for corruption (a damaged
 *   file can crash the process), so every file carries a SHA-1 of its data
 *   and of the source it was made from, checked before V8 sees it;
 * - a cache V8 rejects (other Node.js, other V8 flags) is replaced; a file
 *   that cannot be read or written is ignored: the CLI then compiles as usual;
 * - SIGNING_HELPER_NO_CODE_CACHE=1 turns it off.
 * It only ever affects dist/cli-chunks/ files of 16 KiB or more loaded after
 * {@link enableCodeCache}; the library (ES modules) is never touched.
 */
import type { Hash } from "node:crypto";
import { join } from "node:path";
import { userCacheBase } from "../credentials/cache.js";
import { ownedByUsAlone, readOwnFileSync } from "../credentials/own-file.js";

/** Set to 1 to never read or write the code cache. @public */
export const NO_CODE_CACHE_ENV = "SIGNING_HELPER_NO_CODE_CACHE";

const MIN_SOURCE = 16 * 1024;
const MAGIC = "SHCC1\n";
/** Header: MAGIC, SHA-1 of the source, SHA-1 of the data. */
const HEADER = MAGIC.length + 40;
/** Cache files kept per directory (several builds or flag sets), newest first. */
const KEEP_FILES = 6;

type CompileFn = (this: CjsModule, content: string, filename: string, format?: string) => unknown;
interface CjsModule {
  exports: unknown;
  require(id: string): unknown;
}
interface ModuleStatics {
  prototype: { _compile: CompileFn };
  wrap(content: string): string;
  wrapper: string[];
  enableCompileCache?: (dir: string) => unknown;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: CjsModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

let enabled = false;

/** The directory of the code cache: the user's cache base (as the credential cache's) / rolesanywhere-signing-helper-code. */
function codeCacheDir(env: Record<string, string | undefined>): string | undefined {
  const base = userCacheBase(env);
  // Never relative to the working directory (a relative HOME): no cache then.
  if (!base.startsWith("/")) return undefined;
  return join(base, "rolesanywhere-signing-helper-code", `${process.version}-${process.arch}`);
}

/**
 * Turns the code cache on for chunks loaded from now on (call it right before
 * loading them). A no-op when disabled, outside the CommonJS bundle, or when
 * already on. Never throws.
 * @internal
 */
export function enableCodeCache(env: Record<string, string | undefined>): void {
  if (enabled || env[NO_CODE_CACHE_ENV] === "1") return;
  enabled = true;
  try {
    // Only the CommonJS bundle (dist/cli-chunks) has a __filename and a module: the library and tests run as ES modules.
    if (typeof __filename !== "string" || typeof module === "undefined") return;
    const dir = codeCacheDir(env);
    if (dir === undefined) return;
    if (Number(process.versions.node.split(".")[0]) >= 22) {
      const builtIn = process.getBuiltinModule("node:module") as unknown as ModuleStatics;
      if (typeof builtIn.enableCompileCache !== "function") return;
      // The same rule as below: only a directory of ours that nobody else may write.
      const fs = process.getBuiltinModule("node:fs");
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (directoryTrusted(fs, dir)) builtIn.enableCompileCache(dir);
      return;
    }
    // The module class through this module, not through node:module: on Node.js 20 that loads
    // the ES module loader (some milliseconds) for its register().
    const Module = (module as unknown as { constructor: Partial<ModuleStatics> }).constructor;
    // Only Node.js's own CommonJS loader (test runners may provide a `module` of their own).
    if (typeof Module.wrap !== "function" || typeof Module._resolveFilename !== "function" || typeof Module.prototype?._compile !== "function") return;
    installCompileHook(Module as ModuleStatics, dir, process.getBuiltinModule("node:path").dirname(__filename));
  } catch {
    // Start-up speed only: never a reason to fail.
  }
}

function installCompileHook(Module: ModuleStatics, dir: string, chunkDir: string): void {
  const fs = process.getBuiltinModule("node:fs");
  const path = process.getBuiltinModule("node:path");
  const { createHash } = process.getBuiltinModule("node:crypto");
  const sha1 = (data: string | Uint8Array): string => (createHash("sha1") as Hash).update(data).digest("hex");
  // V8 rejects cached data made under other flags: one file per flag set, so alternating sets do not thrash.
  const flags = sha1(`${process.execArgv.join(" ")}\0${process.env.NODE_OPTIONS ?? ""}`).slice(0, 8);
  const trusted = directoryTrusted(fs, dir);
  const pending: Array<{ script: import("node:vm").Script; file: string; sourceHash: string }> = [];
  const original = Module.prototype._compile;

  Module.prototype._compile = function (content: string, filename: string, format?: string): unknown {
    // Anything but our own big CommonJS chunks goes to Node.js's loader untouched (with all its arguments).
    if (!trusted || content.length < MIN_SOURCE || path.dirname(filename) !== chunkDir || (format !== undefined && format !== "commonjs") || content.startsWith("#!")) {
      return original.apply(this, arguments as unknown as [string, string, string?]);
    }
    const vm = process.getBuiltinModule("node:vm");
    const sourceHash = sha1(content);
    // Named by the source too: two installs (or builds) side by side never take turns rewriting one file.
    const file = path.join(dir, `${path.basename(filename, ".js")}-${sourceHash.slice(0, 16)}-${flags}.bin`);
    const cachedData = readCache(fs, dir, file, sourceHash, sha1);
    const script = new vm.Script(Module.wrap(content), {
      filename,
      ...(cachedData ? { cachedData } : {}),
      // import() inside a chunk behaves as in any CommonJS module (none today; esbuild may emit one).
      ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER !== undefined ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
      // Columns of line 1 as Node.js reports them (without the wrapper's text).
      columnOffset: -(Module.wrapper[0]?.length ?? 0),
    });
    if (cachedData === undefined || script.cachedDataRejected === true) pending.push({ script, file, sourceHash });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, requireOf(Module, this), this, filename, path.dirname(filename));
  };

  // Written at exit, after the command ran: the data then holds the functions compiled on the way too.
  process.once("exit", () => {
    if (pending.length === 0) return;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!directoryTrusted(fs, dir)) return;
      for (const p of pending) writeCache(fs, p.file, p.sourceHash, p.script, sha1);
      prune(fs, path, dir);
    } catch {
      // A read-only or full disk: run without the cache.
    }
  });
}

/** Ours alone: owned by this user, writable by nobody else. A missing directory is fine (made 0700 at exit). */
function directoryTrusted(fs: typeof import("node:fs"), dir: string): boolean {
  try {
    const st = fs.statSync(dir);
    return st.isDirectory() && ownedByUsAlone(st);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/**
 * The cached data of `file` when it is whole, made from this very source, and
 * ours: the directory is checked again now, and the open file must be a
 * regular file of this user that nobody else may write (a file swapped in
 * after the directory check is refused). Else undefined.
 */
function readCache(
  fs: typeof import("node:fs"),
  dir: string,
  file: string,
  sourceHash: string,
  sha1: (d: Uint8Array) => string,
): Buffer | undefined {
  const buf = directoryTrusted(fs, dir) ? readOwnFileSync(file) : undefined;
  if (buf === undefined || buf.length <= HEADER) return undefined;
  const data = buf.subarray(HEADER);
  return buf.toString("latin1", 0, HEADER) === header(sourceHash, data, sha1) ? data : undefined;
}

/** MAGIC, then the first 20 hex digits of the SHA-1s of the source and of the data. */
function header(sourceHash: string, data: Uint8Array, sha1: (d: Uint8Array) => string): string {
  return `${MAGIC}${sourceHash.slice(0, 20)}${sha1(data).slice(0, 20)}`;
}

function writeCache(
  fs: typeof import("node:fs"),
  file: string,
  sourceHash: string,
  script: import("node:vm").Script,
  sha1: (d: Uint8Array) => string,
): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    // Opened before createCachedData, so an unwritable directory costs next to nothing.
    fd = fs.openSync(tmp, "wx", 0o600);
    const data = script.createCachedData();
    fs.writeFileSync(fd, Buffer.concat([Buffer.from(header(sourceHash, data, sha1), "latin1"), data]));
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
  }
}

/** Keeps the newest KEEP_FILES cache files (old builds and flag sets go). */
function prune(fs: typeof import("node:fs"), path: typeof import("node:path"), dir: string): void {
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith(".bin"))
    .map((n) => ({ file: path.join(dir, n), mtime: fs.statSync(path.join(dir, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of files.slice(KEEP_FILES)) fs.rmSync(old.file, { force: true });
}

/** A `require` for a module compiled here, as Node.js builds it. */
function requireOf(Module: ModuleStatics, mod: CjsModule): NodeJS.Require {
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) => Module._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => Module._resolveLookupPaths(request, mod);
  req.resolve = resolve;
  req.main = process.mainModule;
  req.extensions = Module._extensions as NodeJS.RequireExtensions;
  req.cache = Module._cache as NodeJS.Dict<NodeModule>;
  return req;
}
