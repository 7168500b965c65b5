/**
 * The user's cache base directory (XDG), apart from the credential cache so
 * that the CLI's entry (src/cli/bin.ts, which turns the code cache on) stays small.
 */
const { isAbsolute, join } = process.getBuiltinModule("node:path");

/**
 * The user's cache base directory (XDG): `$XDG_CACHE_HOME` when it is an
 * absolute path, else `<home>/.cache`, home defaulting to $HOME, else
 * os.homedir(). Shared by the credential cache and the CLI's code cache.
 * @internal
 */
export function userCacheBase(env: Record<string, string | undefined>, home?: string): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return xdg;
  // $HOME is what os.homedir() answers when it is set; node:os loads only without it (start-up time).
  return join(home ?? (env.HOME || process.getBuiltinModule("node:os").homedir()), ".cache");
}
