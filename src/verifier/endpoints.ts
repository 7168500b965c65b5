import { isIP } from "node:net";
import { ConfigError } from "../errors.js";
import { refuse } from "./errors.js";

/**
 * Which STS endpoints a token may name. By default the global and the
 * regional endpoints of the aws partition, over https on port 443; others only
 * when named, and then exactly (scheme, host, port and path).
 * @internal
 */

/** `sts.amazonaws.com` and `sts.<region>.amazonaws.com` of the aws partition (not aws-us-gov, not aws-cn). */
const DEFAULT_HOST = /^sts(?:\.(?!us-gov-)[a-z]{2}-[a-z]+-\d{1,2})?\.amazonaws\.com$/;

/** A named endpoint, as compared with a token's URL. @internal */
export interface NamedEndpoint {
  protocol: string;
  host: string;
  path: string;
}

/** Parses the endpoints a verifier names; each must be an http(s) URL with no user info, query or fragment. @internal */
export function parseNamedEndpoints(values: readonly string[]): NamedEndpoint[] {
  return values.map((value) => {
    let u: URL;
    try {
      u = new URL(value);
    } catch {
      throw new ConfigError(`STS endpoint: '${value}' is not a URL`, { hint: "name it in full, such as https://sts.us-east-1.amazonaws.com" });
    }
    if ((u.protocol !== "https:" && u.protocol !== "http:") || u.username || u.password || u.search || u.hash) {
      throw new ConfigError(`STS endpoint: '${value}' must be an http or https URL with no user info, query or fragment`);
    }
    return { protocol: u.protocol, host: u.host, path: u.pathname || "/" };
  });
}

/** True when `host` is one of the default STS host names. @internal */
export function isDefaultStsHost(host: string): boolean {
  return DEFAULT_HOST.test(host);
}

/**
 * Checks the URL a token names, in this order: user info, a named endpoint
 * (accepted as named), an IP literal, the scheme, the host and port, the
 * path. Returns the parsed URL.
 * @throws IdentityTokenError URL_USERINFO, URL_IP_LITERAL, URL_INSECURE_SCHEME, HOST_NOT_ALLOWED, URL_NOT_ALLOWED or TOKEN_MALFORMED.
 * @internal
 */
export function checkUrl(raw: string, named: readonly NamedEndpoint[]): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    refuse("TOKEN_MALFORMED", "the token's URL cannot be parsed");
  }
  // The raw authority too: new URL() drops an empty user info ("https://@host/").
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1] ?? "";
  if (u.username || u.password || authority.includes("@")) refuse("URL_USERINFO", "the token's URL has user info (user@host)");
  if (u.hash || raw.includes("#")) refuse("URL_NOT_ALLOWED", "the token's URL has a fragment");
  const path = u.pathname || "/";
  const match = named.find((n) => n.protocol === u.protocol && n.host === u.host);
  if (match) {
    if (path !== match.path) refuse("URL_NOT_ALLOWED", `the token's URL path '${path}' is not the named endpoint's '${match.path}'`);
    return u;
  }
  const bare = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  if (isIP(bare) !== 0) refuse("URL_IP_LITERAL", `the token names an IP address (${u.hostname}), not an STS host name`);
  if (u.protocol !== "https:") refuse("URL_INSECURE_SCHEME", `the token's URL is ${u.protocol.replace(":", "")}, not https`);
  if (!isDefaultStsHost(u.hostname) || u.port !== "") {
    refuse("HOST_NOT_ALLOWED", `the token names ${u.host}, which is not an allowed STS endpoint`);
  }
  if (path !== "/") refuse("URL_NOT_ALLOWED", `the token's URL path is '${path}', not '/'`);
  return u;
}
