/**
 * The V8 code cache of the bundled CLI: Node.js's own module compile cache
 * (module.enableCompileCache, Node.js 22.8+), kept in a directory of this
 * user's. A fresh `credential-process` then skips compiling the code that a
 * CreateSession loads. On Node.js 20 there is no such API and the CLI runs
 * without a code cache.
 *
 * Safety, since a code cache is code:
 * - the directory is this user's and nobody else may write it: created 0700,
 *   checked before it is handed to Node.js, left alone otherwise;
 * - Node.js checks each entry itself: a CRC32 and the size of the source it was
 *   made from and of the cached data, in a subdirectory per Node.js version,
 *   architecture, V8 flags and user id; an entry that fails is rewritten. A CRC32
 *   catches a damaged file, not a forged one: the directory rule is what keeps
 *   others' bytes out;
 * - SIGNING_HELPER_NO_CODE_CACHE=1 (or Node's own NODE_DISABLE_COMPILE_CACHE=1)
 *   turns it off; any failure only means no cache.
 * It applies only to the built CLI (dist/), never when the library runs in
 * someone else's process: the compile cache covers every module loaded after it.
 */
import { userCacheBase } from "../credentials/cache-base.js";
import { ownedByUsAlone } from "../credentials/own-file.js";

/** Set to 1 to never read or write the code cache. @public */
export const NO_CODE_CACHE_ENV = "SIGNING_HELPER_NO_CODE_CACHE";

// Set to true by scripts/build.mjs (esbuild `define`) in the CLI bundle only.
declare const __SIGNING_HELPER_CLI__: boolean | undefined;

let enabled = false;

/** The directory of the code cache: the user's cache base (as the credential cache's) / rolesanywhere-signing-helper-code; undefined when not absolute. */
export function codeCacheDir(env: Record<string, string | undefined>): string | undefined {
  const base = userCacheBase(env);
  // Never relative to the working directory (a relative HOME): no cache then.
  return base.startsWith("/") ? process.getBuiltinModule("node:path").join(base, "rolesanywhere-signing-helper-code") : undefined;
}

/**
 * Turns the code cache on for modules loaded from now on (call it right before
 * loading them). A no-op when disabled, outside the built CLI, before Node.js 22.8,
 * or when already on. Never throws.
 * @internal
 */
export function enableCodeCache(env: Record<string, string | undefined>): void {
  if (enabled || env[NO_CODE_CACHE_ENV] === "1") return;
  enabled = true;
  if (typeof __SIGNING_HELPER_CLI__ === "undefined" || !__SIGNING_HELPER_CLI__) return;
  // Node.js 20 has no compile cache (and loading node:module there costs milliseconds).
  if (Number(process.versions.node.split(".")[0]) < 22) return;
  try {
    const { enableCompileCache } = process.getBuiltinModule("node:module") as { enableCompileCache?: (dir: string) => unknown };
    if (typeof enableCompileCache !== "function") return;
    const dir = codeCacheDir(env);
    if (dir === undefined) return;
    const fs = process.getBuiltinModule("node:fs");
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    if (st.isDirectory() && ownedByUsAlone(st)) enableCompileCache(dir);
  } catch {
    // Start-up speed only: never a reason to fail.
  }
}
