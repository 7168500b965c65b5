import { ConfigError } from "../../errors.js";

/**
 * Where an identity token points: the STS endpoint URL and the region its
 * signature is scoped to. Pure: the caller passes what the environment says.
 * @internal
 */
export interface StsTarget {
  endpoint: URL;
  region: string;
}

/** The global endpoint, which STS scopes to us-east-1. @internal */
export const GLOBAL_STS_ENDPOINT = "https://sts.amazonaws.com/";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The DNS suffix of a region's partition (aws, aws-cn; aws-us-gov shares amazonaws.com). */
function dnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

/** The region in an STS host name `sts.<region>.amazonaws.com[.cn]`, if there is one. */
function regionOfHost(host: string): string | undefined {
  const m = /^sts(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return m && REGION.test(m[1]!) ? m[1] : undefined;
}

/**
 * Resolves the STS endpoint and signing region, in order: an explicit
 * endpoint (signed with `region`, else the region in its host name, else
 * us-east-1); else the regional endpoint of `region` in its partition; else the
 * global endpoint signed with us-east-1.
 * @throws ConfigError for a region or endpoint that cannot be used.
 * @internal
 */
export function resolveStsTarget(opts: { region?: string; endpoint?: string }): StsTarget {
  if (opts.region !== undefined && !REGION.test(opts.region)) {
    throw new ConfigError(`region: '${opts.region}' is not a region name such as us-east-1`);
  }
  if (opts.endpoint !== undefined) {
    const endpoint = parseEndpoint(opts.endpoint);
    return { endpoint, region: opts.region ?? regionOfHost(endpoint.hostname) ?? "us-east-1" };
  }
  if (opts.region !== undefined) {
    return { endpoint: new URL(`https://sts.${opts.region}.${dnsSuffix(opts.region)}/`), region: opts.region };
  }
  return { endpoint: new URL(GLOBAL_STS_ENDPOINT), region: "us-east-1" };
}

/** Parses an STS endpoint URL: http or https, no user info, no query or fragment. @internal */
export function parseEndpoint(value: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`STS endpoint: '${value}' is not a URL`, { hint: "give a URL such as https://sts.us-east-1.amazonaws.com" });
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new ConfigError(`STS endpoint: '${value}' must be http or https`);
  if (u.username || u.password) throw new ConfigError("STS endpoint: a URL with user info is not accepted");
  if (u.search || u.hash) throw new ConfigError(`STS endpoint: '${value}' must have no query string or fragment`);
  return u;
}
