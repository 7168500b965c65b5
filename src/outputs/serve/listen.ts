/**
 * Binding the `serve` listener: address checks, IPv4/IPv6, and the hop limit.
 *
 * Hop limit. The Go helper sets IP_TTL / IPV6_UNICAST_HOPS on accepted sockets
 * so that, with `--hop-limit 1`, answers cannot leave the host (EC2's IMDS
 * parity). Node.js has no public API for that on TCP sockets (`setTTL` exists
 * only on `dgram` sockets). So on Linux an optional native addon (see
 * ./native-hop-limit.ts) creates the listening socket with the option set and
 * Node.js adopts it (`server.listen({ fd })`); accepted sockets inherit it.
 * `listen()` then reports `hopLimitEnforced: true`. Without the addon (not
 * built, not Linux, or `SIGNING_HELPER_NO_NATIVE=1`) `--hop-limit` is validated
 * (1–255) and accepted but NOT enforced: packets leave with the operating
 * system's default (64 on Linux unless changed), `listen()` reports
 * `hopLimitEnforced: false`, and {@link hopLimitNotice} gives the line to print
 * when a user asks for a non-default value.
 */
import { lookup } from "node:dns/promises";
import { createServer } from "node:http";
import type { RequestListener, Server } from "node:http";
import { isIP } from "node:net";
import type { AddressInfo } from "node:net";
import { ConfigError, RolesAnywhereError, UsageError } from "../../errors.js";
import { loadHopLimitAddon, toErrnoException } from "./native-hop-limit.js";
import type { ServeMode } from "./router.js";

/** Default `--hop-limit`, as in the Go helper. @public */
export const DEFAULT_HOP_LIMIT = 64;

/**
 * Whether pure Node.js can set the IP TTL / hop limit on accepted sockets (it
 * cannot). Use {@link canEnforceHopLimit} to know whether this process can,
 * through the native addon.
 * @deprecated use canEnforceHopLimit()
 * @public
 */
export const HOP_LIMIT_ENFORCED = false as const;

/** Node.js's default listen backlog. */
const BACKLOG = 511;

/**
 * Whether `listen()` will enforce a hop limit here: the native addon is built
 * and loads (Linux), and `SIGNING_HELPER_NO_NATIVE` is not `1`. Loads the
 * addon on first call; never throws.
 * @public
 */
export function canEnforceHopLimit(env: NodeJS.ProcessEnv = process.env): boolean {
  return loadHopLimitAddon(env) !== undefined;
}

/** Where and how to listen. @public */
export interface ListenOptions {
  /** IPv4 or IPv6 literal (brackets allowed: `[::1]`) or `localhost`. */
  host: string;
  /** TCP port, 0 to pick a free one. */
  port: number;
  /**
   * `--hop-limit` (1–255). Set on the socket through the native addon when it
   * is available (see {@link canEnforceHopLimit}); else validated only.
   * Undefined: plain Node.js listen, the OS default applies.
   */
  hopLimit?: number;
  /** False to never use the native addon (pure Node.js; the hop limit is then not enforced). Default true. */
  native?: boolean;
}

/** A listening server. @public */
export interface Listening {
  /** Base URL, e.g. `http://127.0.0.1:9911/` or `http://[::1]:9911/`. */
  url: string;
  /** The bound address as reported by the socket. */
  host: string;
  /** The bound port (the real one when 0 was asked). */
  port: number;
  /** True when the hop limit was set on the listening socket (inherited by accepted ones); see the module comment. */
  hopLimitEnforced: boolean;
  /** The underlying server (for tests and metrics; do not re-listen it). */
  server: Server;
  /** Stops accepting, closes idle and active connections, resolves once closed. */
  close(): Promise<void>;
}

/** Strips the brackets of `[v6]` and checks for an IP literal or `localhost`. */
function normalizeHost(host: string): string {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (h.toLowerCase() === "localhost" || isIP(h) !== 0) return h;
  throw new ConfigError(`--bind ${host}: not an IP address`, {
    hint: "give an IPv4 or IPv6 address, such as 127.0.0.1 (the default), ::1, or 0.0.0.0 with an auth token",
  });
}

/**
 * Whether `host` is a loopback address: `localhost`, 127.0.0.0/8, `::1`, or an
 * IPv4-mapped 127.x address (`::ffff:127.0.0.1`). Brackets around IPv6 allowed.
 * @public
 */
export function isLoopback(host: string): boolean {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (h.toLowerCase() === "localhost") return true;
  const family = isIP(h);
  if (family === 4) return h.split(".")[0] === "127";
  if (family !== 6) return false;
  let canonical: string;
  try {
    canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1).toLowerCase();
  } catch {
    return false;
  }
  if (canonical === "::1") return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(canonical);
  return mapped !== null && parseInt(mapped[1]!, 16) >> 8 === 0x7f;
}

/**
 * Refuses a non-loopback bind when no authorization token is configured, and a
 * bind address that is not an IP literal. Returns the mode the router must use:
 * `loopback`, or `remote` (only the container and health routes answer).
 * @throws ConfigError
 * @public
 */
export function checkBind(host: string, hasToken: boolean): ServeMode {
  normalizeHost(host);
  if (isLoopback(host)) return "loopback";
  if (!hasToken) {
    throw new ConfigError(`--bind ${host}: refused: a non-loopback address needs an authorization token`, {
      hint: "add --auth-token-file FILE or --auth-token env:NAME (then only /v1/credentials and the health routes answer there), or bind 127.0.0.1 or ::1",
    });
  }
  return "remote";
}

/**
 * Validates `--hop-limit`: a whole number from 1 to 255.
 * @throws UsageError
 * @public
 */
export function validateHopLimit(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 255) {
    throw new UsageError(`--hop-limit must be a whole number from 1 to 255, not '${value}'`, {
      hint: "use 1 for EC2 parity (answers do not leave the host), or the default 64",
    });
  }
  return value;
}

/**
 * The line to print on stderr when `--hop-limit` asks for something this
 * process cannot do (any value other than the default while the native addon
 * is unavailable), else undefined. `enforced` defaults to {@link canEnforceHopLimit}.
 * @public
 */
export function hopLimitNotice(hopLimit: number, enforced: boolean = canEnforceHopLimit()): string | undefined {
  if (enforced || hopLimit === DEFAULT_HOP_LIMIT) return undefined;
  return (
    `serve: --hop-limit ${hopLimit} is accepted but not enforced: Node.js cannot set IP_TTL/IPV6_UNICAST_HOPS on TCP sockets, ` +
    `so the operating system default applies (the optional native addon that sets them is not available); ` +
    `bind a loopback address, or set the TTL with a firewall rule`
  );
}

/** The base URL for a bound address: `http://127.0.0.1:9911/`, `http://[::1]:9911/`. @public */
export function formatListenUrl(host: string, port: number): string {
  return isIP(host) === 6 ? `http://[${host}]:${port}/` : `http://${host}:${port}/`;
}

function listenError(host: string, port: number, err: NodeJS.ErrnoException): RolesAnywhereError {
  const where = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const why: Record<string, [string, string]> = {
    EADDRINUSE: ["address already in use", "choose another --port, or --port 0 to pick a free one"],
    EADDRNOTAVAIL: ["address not available on this machine", "bind an address this machine has, such as 127.0.0.1"],
    EACCES: ["permission denied", "use a port above 1023, or run with the needed privilege"],
    EAFNOSUPPORT: ["address family not supported (IPv6 disabled?)", "bind an IPv4 address such as 127.0.0.1"],
  };
  const [reason, hint] = why[err.code ?? ""] ?? [err.message, "check --bind and --port"];
  return new RolesAnywhereError("IO", `serve: cannot listen on ${where}: ${reason}`, { hint, cause: err });
}

/**
 * Starts an HTTP server with `handler` on `host:port` and resolves once it
 * listens. The handler is built elsewhere (`createServeHandler`).
 * @throws UsageError for a bad port or hop limit, ConfigError for a bad host, RolesAnywhereError (IO) when the bind fails
 * @public
 */
export async function listen(handler: RequestListener, options: ListenOptions): Promise<Listening> {
  const host = normalizeHost(options.host);
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, not '${options.port}'`);
  }
  if (options.hopLimit !== undefined) validateHopLimit(options.hopLimit);
  const addon = options.hopLimit !== undefined && options.native !== false ? loadHopLimitAddon() : undefined;
  let fd: number | undefined;
  if (addon && options.hopLimit !== undefined) {
    try {
      const address = isIP(host) === 0 ? (await lookup(host)).address : host;
      fd = addon.listenSocket(address, options.port, options.hopLimit, BACKLOG);
    } catch (err) {
      throw listenError(host, options.port, toErrnoException(err));
    }
  }
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(host, options.port, err));
    server.once("error", onError);
    server.listen(fd !== undefined ? { fd, backlog: BACKLOG } : { host, port: options.port }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: formatListenUrl(address.address, address.port),
    host: address.address,
    port: address.port,
    hopLimitEnforced: fd !== undefined,
    server,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
