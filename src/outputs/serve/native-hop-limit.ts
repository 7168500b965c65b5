/**
 * The optional native helper that makes `serve --hop-limit` real on Linux.
 *
 * Node.js cannot set IP_TTL / IPV6_UNICAST_HOPS on TCP sockets, so a tiny
 * N-API addon (native/hoplimit/hoplimit.c, built by scripts/build.mjs into
 * dist/native/hoplimit.node when a C compiler is at hand) creates the
 * listening socket with the option set and hands its file descriptor to
 * `server.listen({ fd })`. Linux copies the option to every accepted socket,
 * so all answers leave with that TTL / hop limit. When the addon is missing,
 * fails to load, the platform is not Linux, or {@link NO_NATIVE_ENV} is set,
 * {@link loadHopLimitAddon} returns undefined and `serve` falls back to plain
 * Node.js (the hop limit is then accepted but not enforced).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Set this environment variable to `1` to never load the addon (pure Node.js, hop limit not enforced). @public */
export const NO_NATIVE_ENV = "SIGNING_HELPER_NO_NATIVE";

/** Where the build puts the addon, relative to the package root. */
const ADDON_PATH = join("dist", "native", "hoplimit.node");

/** The addon's asset name inside the single-file executable (scripts/build-sea.mjs). */
export const SEA_ADDON_ASSET = "hoplimit.node";

/** The addon's functions (see native/hoplimit/hoplimit.c). @public */
export interface HopLimitAddon {
  /**
   * Creates a TCP socket on a numeric `host` (IPv4 or IPv6) and `port` with
   * SO_REUSEADDR, IPV6_V6ONLY off (as Node.js does), IP_TTL or
   * IPV6_UNICAST_HOPS set to `hopLimit`, binds and listens; returns its fd.
   * Throws an Error with `errno` and `syscall` on failure.
   */
  listenSocket(host: string, port: number, hopLimit: number, backlog: number): number;
  /** The TTL (IPv4) or unicast hop limit (IPv6) of a socket. */
  getHopLimit(fd: number): number;
  /** Listens on `host`:0 with `hopLimit`, connects, accepts, and reports both sockets' hop limits. */
  selfTest(host: string, hopLimit: number): { listener: number; accepted: number };
}

let cached: { addon: HopLimitAddon | undefined } | undefined;

/**
 * The addon file: ADDON_PATH under the nearest directory above this module
 * that has it. This module runs from src/outputs/serve (tests), dist/lib/outputs/serve
 * (the library) or dist/ (the CLI bundle, dist/cli-main.js); dist/ and dist/lib/ hold
 * package.json files of their own (module types), so the package root is found
 * by the addon itself, not by the first package.json.
 */
function addonFile(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, ADDON_PATH);
    if (existsSync(file)) return file;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * Inside the single-file executable the addon travels as an asset; Node.js
 * loads addons only from files, so it is written to a new private directory
 * (mode 0700, under the temporary directory) and loaded from there. Undefined
 * outside an executable, or when it holds no addon or nothing can be written.
 */
function seaAddonDir(): string | undefined {
  const sea = process.getBuiltinModule?.("node:sea");
  if (sea === undefined || !sea.isSea()) return undefined;
  let bytes: unknown;
  try {
    bytes = sea.getRawAsset(SEA_ADDON_ASSET);
  } catch {
    return undefined;
  }
  if (!(bytes instanceof ArrayBuffer)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "signing-helper-addon-"));
  writeFileSync(join(dir, SEA_ADDON_ASSET), new Uint8Array(bytes), { mode: 0o500, flag: "wx" });
  return dir;
}

/**
 * The addon, loaded once on first use; undefined when it is unavailable (not
 * built, not Linux, cannot load) or disabled by `SIGNING_HELPER_NO_NATIVE=1`.
 * Never throws.
 * @public
 */
export function loadHopLimitAddon(env: NodeJS.ProcessEnv = process.env): HopLimitAddon | undefined {
  if (env[NO_NATIVE_ENV] === "1" || process.platform !== "linux") return undefined;
  if (cached) return cached.addon;
  let addon: HopLimitAddon | undefined;
  let extracted: string | undefined;
  try {
    extracted = seaAddonDir();
    const file = extracted !== undefined ? join(extracted, SEA_ADDON_ASSET) : addonFile();
    if (file !== undefined) {
      const loaded = createRequire(import.meta.url)(file) as Partial<HopLimitAddon>;
      if (typeof loaded.listenSocket === "function" && typeof loaded.getHopLimit === "function") addon = loaded as HopLimitAddon;
    }
  } catch {
    addon = undefined;
  } finally {
    // Loaded (the mapping stays) or not: the copy goes at once.
    if (extracted !== undefined) rmSync(extracted, { recursive: true, force: true });
  }
  cached = { addon };
  return addon;
}

const errnoNames = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * Turns an error thrown by the addon into the Node.js shape (`code` such as
 * EADDRINUSE), so callers handle both paths alike.
 * @public
 */
export function toErrnoException(err: unknown): NodeJS.ErrnoException {
  const e = (err instanceof Error ? err : new Error(String(err))) as NodeJS.ErrnoException;
  if (e.code === undefined && typeof e.errno === "number") {
    const name = errnoNames.get(e.errno);
    if (name !== undefined) e.code = name;
  }
  return e;
}
