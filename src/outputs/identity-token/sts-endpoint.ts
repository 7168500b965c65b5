import { ConfigError } from "../../errors.js";
import { resolveStsEndpoint, type StsEndpointInputs } from "../../sources/sts/endpoint.js";

/**
 * Where an identity token points: the STS endpoint URL and the region its
 * signature is scoped to. The endpoint comes from the STS resolver every STS
 * caller shares (src/sources/sts/endpoint.ts); what is particular to tokens:
 * with no region the token names the global endpoint (what Vault,
 * aws-iam-authenticator and Akeyless default to), and an explicit endpoint
 * with no region is signed for the region in its host name.
 * @internal
 */
export interface StsTarget {
  endpoint: URL;
  region: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The region in an STS host name `sts.<region>.amazonaws.com[.cn]`, if there is one. */
function regionOfHost(host: string): string | undefined {
  const m = /^sts(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  return m && REGION.test(m[1]!) ? m[1] : undefined;
}

/**
 * Resolves the token's STS endpoint and signing region: the explicit endpoint
 * (or the environment's, passed in by the CLI), else the regional endpoint of
 * `region` in its partition, else the global endpoint for us-east-1.
 * @throws ConfigError for a region or endpoint that cannot be used.
 * @internal
 */
export function resolveStsTarget(opts: { region?: string; endpoint?: string } & Pick<StsEndpointInputs, "serviceEndpointEnv" | "globalEndpointEnv">): StsTarget {
  if (opts.region !== undefined && !REGION.test(opts.region)) {
    throw new ConfigError(`region: '${opts.region}' is not a region name such as us-east-1`);
  }
  const explicit = [opts.endpoint, opts.serviceEndpointEnv, opts.globalEndpointEnv].find((v) => v !== undefined && v.trim() !== "");
  let hostRegion: string | undefined;
  if (explicit !== undefined && opts.region === undefined) {
    try {
      hostRegion = regionOfHost(new URL(explicit.trim()).hostname);
    } catch {
      // resolveStsEndpoint reports the bad URL.
    }
  }
  const resolved = resolveStsEndpoint({
    region: opts.region ?? hostRegion ?? "aws-global",
    endpoint: opts.endpoint,
    endpointName: "STS endpoint",
    serviceEndpointEnv: opts.serviceEndpointEnv,
    globalEndpointEnv: opts.globalEndpointEnv,
  });
  return { endpoint: new URL(resolved.origin + resolved.path), region: resolved.signingRegion };
}
