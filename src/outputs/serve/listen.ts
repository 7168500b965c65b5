/**
 * Binding the `serve` listener: address checks, IPv4/IPv6, and the hop limit.
 *
 * Hop limit. The Go helper sets IP_TTL / IPV6_UNICAST_HOPS on accepted sockets
 * so that, with `--hop-limit 1`, answers cannot leave the host (EC2's IMDS
 * parity). Node.js has no public API for that on TCP sockets: `net.Socket`
 * offers no TTL setter (Node 24 added only `setTypeOfService`, i.e. IP_TOS),
 * `http.createServer`/`server.listen` take no TTL option, and `setTTL` exists
 * only on `dgram` (UDP) sockets. Doing it would need a native addon or private
 * handle internals, which this package does not use. So `--hop-limit` is
 * validated (1–255) and accepted, but NOT enforced: packets leave with the
 * operating system's default TTL / hop limit (64 on Linux unless changed).
 * `listen()` reports this as `hopLimitEnforced: false`, and
 * {@link hopLimitNotice} gives the line to print when a user asks for a
 * non-default value.
 */
import { createServer } from "node:http";
import type { RequestListener, Server } from "node:http";
import { isIP } from "node:net";
import type { AddressInfo } from "node:net";
import { ConfigError, RolesAnywhereError, UsageError } from "../../errors.js";
import type { ServeMode } from "./router.js";

/** Default `--hop-limit`, as in the Go helper. @public */
export const DEFAULT_HOP_LIMIT = 64;

/** Whether this build can set the IP TTL / hop limit on accepted sockets (it cannot in pure Node.js). @public */
export const HOP_LIMIT_ENFORCED = false as const;

/** Where and how to listen. @public */
export interface ListenOptions {
  /** IPv4 or IPv6 literal (brackets allowed: `[::1]`) or `localhost`. */
  host: string;
  /** TCP port, 0 to pick a free one. */
  port: number;
  /** `--hop-limit` (1–255). Validated, but see {@link HOP_LIMIT_ENFORCED}. */
  hopLimit?: number;
}

/** A listening server. @public */
export interface Listening {
  /** Base URL, e.g. `http://127.0.0.1:9911/` or `http://[::1]:9911/`. */
  url: string;
  /** The bound address as reported by the socket. */
  host: string;
  /** The bound port (the real one when 0 was asked). */
  port: number;
  /** Always false: see the module comment. */
  hopLimitEnforced: false;
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
 * build cannot do (any value other than the default), else undefined.
 * @public
 */
export function hopLimitNotice(hopLimit: number): string | undefined {
  if (hopLimit === DEFAULT_HOP_LIMIT) return undefined;
  return (
    `serve: --hop-limit ${hopLimit} is accepted but not enforced: Node.js cannot set IP_TTL/IPV6_UNICAST_HOPS on TCP sockets, ` +
    `so the operating system default applies; bind a loopback address, or set the TTL with a firewall rule`
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
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(host, options.port, err));
    server.once("error", onError);
    server.listen({ host, port: options.port }, () => {
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
    hopLimitEnforced: HOP_LIMIT_ENFORCED,
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
