/**
 * Where the container route's authorization token comes from: a file
 * (`--auth-token-file FILE`, trimmed, re-read when it changes) or an
 * environment variable (`--auth-token env:NAME`). A literal token on the
 * command line is refused: other users could read it in the process list.
 */
import { readFileSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { ConfigError, UsageError } from "../../errors.js";
import { Secret } from "../../secret.js";

/** Where the token is read from. @public */
export type AuthTokenSpec = { kind: "file"; path: string } | { kind: "env"; name: string };

/** A token that may change while `serve` runs (file rotation). @public */
export interface AuthTokenSource {
  /** The current token. Never throws once created: a broken rewrite keeps the last good token. */
  get(): Secret<string>;
  /** Where it comes from, for messages: `file /path` or `env:NAME` (never the value). */
  readonly origin: string;
}

/** Files larger than this are not tokens. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;
/** Printable ASCII, inner spaces allowed: what an HTTP header carries unchanged. */
const TOKEN_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Maps `--auth-token-file` / `--auth-token` onto a spec, or undefined when
 * neither is given.
 * @throws UsageError when both are given, when `--auth-token` is a literal value, or `env:` has no name
 * @public
 */
export function parseAuthTokenOptions(options: { authTokenFile?: string | undefined; authToken?: string | undefined }): AuthTokenSpec | undefined {
  const { authTokenFile, authToken } = options;
  if (authTokenFile !== undefined && authToken !== undefined) {
    throw new UsageError("--auth-token-file and --auth-token cannot be used together", { hint: "give only one of them" });
  }
  if (authTokenFile !== undefined) {
    if (authTokenFile === "") throw new UsageError("--auth-token-file needs a file path");
    return { kind: "file", path: authTokenFile };
  }
  if (authToken === undefined) return undefined;
  if (!authToken.startsWith("env:")) {
    throw new UsageError("--auth-token: a literal token is refused: it would be visible to other users in the process list", {
      hint: "pass --auth-token env:NAME with the token in environment variable NAME, or --auth-token-file FILE",
    });
  }
  const name = authToken.slice(4);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`--auth-token ${authToken}: '${name}' is not an environment variable name`, {
      hint: "use the form env:NAME, as in env:SERVE_AUTH_TOKEN",
    });
  }
  return { kind: "env", name };
}

/** Checks a token value; returns why it is unusable, or undefined when fine. */
function problemWith(token: string): string | undefined {
  if (token === "") return "it is empty";
  if (!TOKEN_PATTERN.test(token)) return "it holds characters an HTTP header cannot carry (only printable ASCII)";
  return undefined;
}

/** Dependencies of {@link createAuthTokenSource}. @public */
export interface AuthTokenDeps {
  /** The environment to read `env:NAME` from (the CLI passes its context's env). */
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  /** One diagnostic line (stderr) when a rewritten token file is unusable. Never gets the token. */
  log?: (line: string) => void;
}

/**
 * Reads the token once now (failing fast) and returns a source for it; a file
 * that group or others may read is reported through `log` (a warning). A file
 * is checked (one `stat`) on every `get()` and read again when its inode, size
 * or modification time changed; an unusable new content (empty, unreadable,
 * removed) is reported once through `log` and the last good token stays in use.
 * @throws ConfigError when the file is missing, unreadable, too large or empty, or the variable is unset or empty
 * @public
 */
export function createAuthTokenSource(spec: AuthTokenSpec, deps: AuthTokenDeps): AuthTokenSource {
  if (spec.kind === "env") {
    const origin = `env:${spec.name}`;
    const raw = deps.env[spec.name];
    if (raw === undefined) {
      throw new ConfigError(`--auth-token ${origin}: the variable is not set`, {
        hint: `export ${spec.name} with the token before starting serve`,
      });
    }
    const token = raw.trim();
    const problem = problemWith(token);
    if (problem) throw new ConfigError(`--auth-token ${origin}: ${problem}`, { hint: `set ${spec.name} to a non-empty token of printable ASCII characters` });
    const secret = new Secret(token);
    return { origin, get: () => secret };
  }

  const path = spec.path;
  const origin = `file ${path}`;
  const read = (): { token: Secret<string>; stats: Stats; padded: boolean } => {
    let stats: Stats;
    let text: string;
    try {
      stats = statSync(path);
      if (!stats.isFile()) throw new ConfigError(`--auth-token-file ${path}: not a regular file`, { hint: "point it at a file that holds the token" });
      if (stats.size > MAX_TOKEN_FILE_BYTES) throw new ConfigError(`--auth-token-file ${path}: too large for a token (${stats.size} bytes)`, { hint: "the file must hold only the token" });
      text = readFileSync(path, "utf8");
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        throw new ConfigError(`--auth-token-file ${path}: no such file`, { code: "SOURCE_NOT_FOUND", hint: "create the file with the token and no newline, e.g. openssl rand -hex 32 | tr -d '\\n' > FILE", cause: err });
      }
      throw new ConfigError(`--auth-token-file ${path}: cannot be read: ${code ?? (err as Error).message}`, { code: "SOURCE_UNREADABLE", hint: "check the file's permissions", cause: err });
    }
    const token = text.trim();
    const problem = problemWith(token);
    if (problem) throw new ConfigError(`--auth-token-file ${path}: ${problem}`, { hint: "write one token of printable ASCII characters into the file" });
    return { token: new Secret(token), stats, padded: token !== text };
  };

  let current = read();
  // Whoever can read the file can get the credentials from the container route.
  if ((current.stats.mode & 0o044) !== 0) {
    const mode = (current.stats.mode & 0o777).toString(8).padStart(4, "0");
    deps.log?.(`warning: --auth-token-file ${path} is readable by other users (mode ${mode}): anyone who can read it can fetch the credentials`);
    deps.log?.(`hint: chmod 600 ${path} (in Kubernetes: defaultMode: 0400 on the secret volume)`);
  }
  // serve trims the token, but the SDKs send AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE's bytes verbatim:
  // a newline there makes their request fail (an illegal header value) before it is sent.
  if (current.padded) {
    deps.log?.(`warning: --auth-token-file ${path} ends with a newline or spaces: the AWS SDKs send the file's contents verbatim as a header and fail on them`);
    deps.log?.(`hint: write the token without a newline, e.g. openssl rand -hex 32 | tr -d '\\n' > ${path}`);
  }
  let lastWarning: string | undefined;
  const sameFile = (a: Stats, b: Stats): boolean =>
    a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

  return {
    origin,
    get(): Secret<string> {
      let stats: Stats | undefined;
      try {
        stats = statSync(path);
      } catch {
        stats = undefined;
      }
      if (stats && sameFile(stats, current.stats)) return current.token;
      try {
        current = read();
        lastWarning = undefined;
      } catch (err) {
        const line = `serve: ${err instanceof Error ? err.message : String(err)}: still using the previous token`;
        if (line !== lastWarning) deps.log?.(line);
        lastWarning = line;
      }
      return current.token;
    },
  };
}
