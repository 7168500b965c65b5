/**
 * Which proxy CreateSession goes through, explained: a loopback endpoint
 * (localhost, 127.x.x.x, [::1]) never goes through one; otherwise
 * `https_proxy`/`HTTPS_PROXY` for https endpoints, falling back to
 * `http_proxy`/`HTTP_PROXY`, and the request then goes to undici's
 * EnvHttpProxyAgent, which applies `no_proxy`/`NO_PROXY` itself. Which NO_PROXY
 * entry excludes the host is told here by {@link noProxyMatch}, undici's rules
 * written out for this report only (a test holds it to undici's own choice). Pure.
 */
import { isLoopbackHost } from "../session/endpoint.js";
import { fail, pass } from "./results.js";
import type { CheckResult, DoctorFacts } from "./types.js";

/** The check's name, as printed. @internal */
export const PROXY_CHECK = "proxy";

/** The proxy decision for one URL. @public */
export interface ProxyDecision {
  /** The variable whose proxy is used, or undefined for a direct connection. */
  variable?: string;
  /** The proxy URL with any user:password hidden. */
  proxy?: string;
  /** The NO_PROXY variable and entry that exclude the host, when one does. */
  excludedBy?: { variable: string; entry: string };
  /** Proxy variables that are set (for the message when none applies). */
  setVariables: string[];
  /** True when the endpoint is loopback, which never goes through a proxy. */
  loopback?: boolean;
}

function firstSet(env: DoctorFacts["env"], ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return { name, value: value.trim() };
  }
  return undefined;
}

/** A proxy URL with its user-info hidden. @internal */
export function redactProxy(value: string): string {
  return value.replace(/\/\/[^/@]*@/, "//[redacted]@");
}

/**
 * The NO_PROXY entry that excludes `hostname` on `port`, if any (`*` for the
 * wildcard), as undici's EnvHttpProxyAgent (7.x) decides: entries split on
 * commas and white space; `*` alone excludes every host; `host[:port]` (a
 * leading `.` or `*.` dropped, case ignored) excludes that host and its
 * subdomains, on that port if given; IPv6 hosts keep their brackets; IP
 * addresses compared as text (no CIDR). `hostname` has no port.
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
 * Decides which proxy (if any) a request to `url` goes through.
 * @public
 */
export function proxyFor(url: URL, env: DoctorFacts["env"]): ProxyDecision {
  const http = firstSet(env, "http_proxy", "HTTP_PROXY");
  const https = firstSet(env, "https_proxy", "HTTPS_PROXY");
  const noProxy = firstSet(env, "no_proxy", "NO_PROXY");
  const setVariables = [https?.name, http?.name].filter((n): n is string => n !== undefined);
  const chosen = url.protocol === "https:" ? (https ?? http) : http;
  if (!chosen) return { setVariables };
  if (isLoopbackHost(url.hostname)) return { setVariables, loopback: true };
  // undici strips the port from `host`, keeping IPv6 brackets.
  const hostname = url.host.replace(/:\d*$/, "");
  const port = Number.parseInt(url.port, 10) || (url.protocol === "https:" ? 443 : 80);
  if (noProxy) {
    const entry = noProxyMatch(noProxy.value, hostname, port);
    if (entry !== undefined) return { setVariables, excludedBy: { variable: noProxy.name, entry } };
  }
  return { variable: chosen.name, proxy: redactProxy(chosen.value), setVariables };
}

function validProxyUrl(value: string): boolean {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const u = new URL(withScheme);
    return ["http:", "https:", "socks:", "socks5:"].includes(u.protocol) && u.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * The proxy line for the resolved endpoint: which variable is in effect, or
 * which NO_PROXY entry excludes the endpoint, or a direct connection.
 * @internal
 */
export function checkProxy(f: DoctorFacts, endpointOrigin: string | undefined): CheckResult[] {
  for (const name of ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"]) {
    const v = f.env[name];
    if (v !== undefined && v.trim() !== "" && !validProxyUrl(v.trim())) {
      return [fail(PROXY_CHECK, `${name} is not a proxy URL: '${redactProxy(v.trim())}'`, `set ${name} to a URL such as http://proxy.example.com:3128, or unset it`)];
    }
  }
  if (endpointOrigin === undefined) {
    const set = firstSet(f.env, "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY");
    return [pass(PROXY_CHECK, set ? `${set.name}=${redactProxy(set.value)} is set (endpoint unknown, so not matched against NO_PROXY)` : "none set")];
  }
  const url = new URL(endpointOrigin);
  const d = proxyFor(url, f.env);
  if (d.variable) {
    const fallback = url.protocol === "https:" && /http_proxy/i.test(d.variable) ? `, as no HTTPS_PROXY is set` : "";
    return [pass(PROXY_CHECK, `${url.host} is reached through ${d.variable}=${d.proxy}${fallback}`)];
  }
  if (d.loopback) {
    return [pass(PROXY_CHECK, `${d.setVariables.join(", ")} set, but ${url.host} is loopback, which never goes through a proxy: direct connection`)];
  }
  if (d.excludedBy) {
    return [pass(PROXY_CHECK, `${d.setVariables.join(", ")} set, but ${d.excludedBy.variable} entry '${d.excludedBy.entry}' excludes ${url.host}: direct connection`)];
  }
  if (d.setVariables.length) return [pass(PROXY_CHECK, `${d.setVariables.join(", ")} set but not for ${url.protocol.replace(":", "")}: direct connection to ${url.host}`)];
  return [pass(PROXY_CHECK, `none set: direct connection to ${url.host}`)];
}
