/**
 * `serve` as a library call: one refresher feeding the IMDSv2, container and
 * health handlers on one listening socket. The CLI command is a thin layer on
 * top (flags → options, the listening line, the shell hints); tests run this
 * in-process with an injected clock.
 */
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { createRefresher } from "../credentials/refresher.js";
import type { Refresher, RefresherEvent, RefresherOptions } from "../credentials/refresher.js";
import type { Credentials } from "../credentials/types.js";
import { parseRoleArn } from "../session/arn.js";
import type { AuthTokenSource } from "./serve/auth-token.js";
import { createContainerHandler } from "./serve/container-handler.js";
import { createHealthHandler } from "./serve/health.js";
import { createImdsHandler } from "./serve/imds-handler.js";
import type { ImdsHandler } from "./serve/imds-handler.js";
import { checkBind, DEFAULT_HOP_LIMIT, hopLimitNotice, listen, validateHopLimit } from "./serve/listen.js";
import type { Listening } from "./serve/listen.js";
import { createServeHandler } from "./serve/router.js";
import type { ServeMode } from "./serve/router.js";
import { allowedHostsFor, resolveServeRoutes, type ServeRoute } from "./serve/router.js";

/** Default `--port` of `serve`, as in the Go helper. @public */
export const DEFAULT_SERVE_PORT = 9911;
/** Default `--bind` of `serve`. @public */
export const DEFAULT_SERVE_BIND = "127.0.0.1";

/** Options of {@link startServe}. @public */
export interface StartServeOptions {
  /**
   * Performs one CreateSession (resolving the identity again, so rotated files
   * are used), e.g. `createCredentialFetcher(spec, config, …)`. Called at start
   * and then only by the background refresher, never on a request's path.
   */
  fetch: () => Promise<Credentials>;
  /** The role ARN: the IMDS role name is its last `/` segment; sent as `RoleArn` by the container route. */
  roleArn: string;
  /** `AccountId` of the container route. Default: the role ARN's account. */
  accountId?: string;
  /** Address to bind (IPv4 or IPv6 literal, or `localhost`). Default `127.0.0.1`. A non-loopback address needs `authToken`. */
  bind?: string;
  /** TCP port, 0 to pick a free one. Default 9911. */
  port?: number;
  /** `--hop-limit`, 1–255, default 64. Set on the socket through the native addon on Linux; else validated only (a notice is logged for other values). */
  hopLimit?: number;
  /** The container route's authorization token; without it `/v1/credentials` answers 404. */
  authToken?: AuthTokenSource;
  /**
   * The credential routes to serve: `imds`, `container`. Default: both on a
   * loopback bind (the container route only with `authToken`), the container
   * route alone otherwise. `["container"]` makes the token the only way in.
   */
  routes?: readonly ServeRoute[];
  /**
   * More names the Host header may carry (`--allow-host`). On a loopback bind a
   * request is answered only when its Host is the bind address, `localhost` or
   * one of these; on another bind the Host is checked only when this is given.
   */
  allowHosts?: readonly string[];
  /** Time source shared by the refresher and the handlers. Default: the system clock. */
  clock?: Clock;
  /** Diagnostic lines (stderr in the CLI): refresh events, notices. Never gets a secret. */
  log?: (line: string) => void;
  /** Tuning of the refresher (stale window, throttling, backoff, timers). */
  refresher?: Omit<RefresherOptions, "fetch" | "clock" | "onEvent">;
}

/** A running `serve`. @public */
export interface RunningServe {
  /** Base URL, e.g. `http://127.0.0.1:9911/`. */
  url: string;
  host: string;
  port: number;
  /** `loopback` (every route) or `remote` (container and health routes only). */
  mode: ServeMode;
  /** The refresher behind the handlers (for `refreshNow()` and inspection). */
  refresher: Refresher;
  /** Live IMDS session tokens (0 in `remote` mode). */
  imdsTokenCount(): number;
  /** Stops the refresher and the server; resolves once every connection is closed. Idempotent. */
  close(): Promise<void>;
}

const iso = (t: number | Date): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * The stderr lines `serve` prints for a refresher event (a warning comes with its
 * `hint:` line). None carries a secret: access key ids, times and error messages only.
 * @public
 */
export function describeRefresherEvent(e: RefresherEvent): string[] {
  switch (e.type) {
    case "refreshed":
      return [`serve: credentials refreshed: access key ${e.accessKeyId}, expire ${iso(e.expiration)}, next refresh ${iso(e.refreshAt)}`];
    case "refresh-failed":
      return [
        `serve: refresh failed (${e.failures} in a row): ${e.message}` + (e.retryAt !== undefined ? `; retrying at ${iso(e.retryAt)}` : ""),
      ];
    case "using-last-good":
      return [`serve: still serving the previous credentials until ${iso(e.expiration)} (${Math.floor(e.remainingMs / 60_000)} min left)`];
  }
}

/** The IMDS role name: the last `/` segment of the role ARN's resource. */
function roleNameOf(roleArn: string): string {
  const resource = parseRoleArn(roleArn).resource;
  return resource.slice(resource.lastIndexOf("/") + 1);
}

/**
 * Starts `serve`: checks the options, binds the socket, makes the first
 * CreateSession (failing fast: on error the socket is closed and the error
 * rethrown as is), then refreshes in the background. Handlers only read the
 * refresher's `current()`, so requests never wait on the network and never get
 * empty or expired credentials (503 instead).
 * @throws UsageError (bad port or hop limit), ConfigError (bad or refused bind, bad role ARN),
 *   RolesAnywhereError (IO) when the bind fails, and whatever the first `fetch` throws.
 * @public
 */
export async function startServe(opts: StartServeOptions): Promise<RunningServe> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (() => undefined);
  const bind = opts.bind ?? DEFAULT_SERVE_BIND;
  const port = opts.port ?? DEFAULT_SERVE_PORT;
  const hopLimit = validateHopLimit(opts.hopLimit ?? DEFAULT_HOP_LIMIT);
  const mode = checkBind(bind, opts.authToken !== undefined);
  const roleArn = opts.roleArn;
  const roleName = roleNameOf(roleArn);
  const accountId = opts.accountId ?? parseRoleArn(roleArn).accountId;

  // Until the first CreateSession succeeds its failure is the caller's error, not a log line.
  let started = false;
  let closed = false;
  const refresher = createRefresher({
    ...opts.refresher,
    fetch: opts.fetch,
    clock,
    onEvent: (e) => {
      if (closed || (!started && e.type === "refresh-failed")) return;
      for (const line of describeRefresherEvent(e)) log(line);
    },
  });

  const routes = resolveServeRoutes(opts.routes, mode, opts.authToken !== undefined);
  const allowedHosts = allowedHostsFor(bind, mode, opts.allowHosts);
  const source = { current: () => refresher.current() };
  const imds: ImdsHandler | undefined = mode === "loopback" && routes.includes("imds") ? createImdsHandler({ source, roleName, clock }) : undefined;
  const tokenSource = routes.includes("container") ? opts.authToken : undefined;
  const handler = createServeHandler({
    mode,
    health: createHealthHandler({ source, clock }),
    ...(imds ? { imds } : {}),
    ...(tokenSource ? { container: createContainerHandler({ source, token: () => tokenSource.get(), roleArn, accountId, clock }) } : {}),
    ...(allowedHosts ? { allowedHosts } : {}),
    log,
  });

  const notice = hopLimitNotice(hopLimit);
  if (notice) log(notice);
  const listening: Listening = await listen(handler, { host: bind, port, hopLimit });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      refresher.stop();
      imds?.close();
      await listening.close();
    })();
    return closing;
  };

  try {
    await refresher.refreshNow();
  } catch (err) {
    await close();
    throw err;
  }
  started = true;
  refresher.startBackground();

  return {
    url: listening.url,
    host: listening.host,
    port: listening.port,
    mode,
    refresher,
    imdsTokenCount: () => imds?.tokenCount() ?? 0,
    close,
  };
}
