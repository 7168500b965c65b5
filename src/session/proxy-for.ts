/**
 * Which proxy, if any, a request goes through: the rules of undici's
 * EnvHttpProxyAgent (7.x), reproduced exactly so that CreateSession can tell a
 * direct request (sent on a node:net / node:tls socket, see node-transport.ts)
 * from a proxied one (sent with undici) before loading undici, and so that
 * `doctor` reports the same decision. Pure.
 *
 * - An https URL uses the HTTPS proxy, else the HTTP proxy; an http URL uses
 *   the HTTP proxy only.
 * - NO_PROXY is split on commas and white space; the value `*` alone excludes
 *   every host. An entry `host[:port]` (a leading `.` or `*.` is dropped, case
 *   is ignored) excludes that host and its subdomains, on that port if given.
 *   IPv6 hosts are compared with their brackets (`[::1]`); IP addresses are
 *   compared as text (no CIDR ranges).
 */

/** The proxy settings of a request ("" = not set), as resolved from the environment. @internal */
export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/** The decision for one URL. @internal */
export interface ProxyRoute {
  /** The setting whose proxy is used; undefined for a direct connection. */
  use?: "httpsProxy" | "httpProxy";
  /** The NO_PROXY entry that excludes the host, when a proxy was set but one does. */
  excludedBy?: string;
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/**
 * The NO_PROXY entry that excludes `hostname` on `port`, if any (`*` for the
 * wildcard). `hostname` has no port; an IPv6 address keeps its brackets.
 * @internal
 */
export function noProxyMatch(noProxy: string, hostname: string, port: number): string | undefined {
  const host = hostname.toLowerCase();
  const entries = noProxy.split(/[,\s]/).filter((e) => e !== "");
  if (entries.length === 0) return undefined;
  if (noProxy === "*") return "*";
  for (const raw of entries) {
    const m = /^(.+):(\d+)$/.exec(raw);
    const entryHost = (m ? m[1]! : raw).replace(/^\*?\./, "").toLowerCase();
    const entryPort = m ? Number.parseInt(m[2]!, 10) : 0;
    if (entryPort && entryPort !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return raw;
  }
  return undefined;
}

/**
 * The proxy a request to `url` goes through under `settings`.
 * @internal
 */
export function proxyRoute(url: URL, settings: ProxySettings): ProxyRoute {
  const use = url.protocol === "https:" && settings.httpsProxy !== "" ? "httpsProxy" : settings.httpProxy !== "" ? "httpProxy" : undefined;
  if (use === undefined) return {};
  // As undici: the port is cut from `host`, so IPv6 brackets stay.
  const hostname = url.host.replace(/:\d*$/, "");
  const port = Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0;
  const excludedBy = noProxyMatch(settings.noProxy, hostname, port);
  return excludedBy === undefined ? { use } : { excludedBy };
}
