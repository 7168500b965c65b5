import { ConfigError } from "../../errors.js";
import { showValue } from "../../session/arn.js";
import { checkedServiceUrl, partitionOf } from "../../session/endpoint.js";

/**
 * The STS endpoint every STS caller shares (AssumeRole hops, GetCallerIdentity,
 * presigned requests). Pure: settings are passed in by the caller, which reads
 * the environment. The rules are those of the AWS SDKs' STS endpoint rule set:
 *
 * - an endpoint set explicitly (`--sts-endpoint`, the library's `stsEndpoint`)
 *   wins; else `AWS_ENDPOINT_URL_STS`; else `AWS_ENDPOINT_URL` (both ignored
 *   under `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, which the caller applies);
 * - else the **regional** endpoint `https://sts.<region>.<dnsSuffix>` of the
 *   region's partition (aws, aws-cn, aws-us-gov, the ISO partitions, …);
 *   `sts-fips.` with FIPS (in aws-us-gov the regional name is already the FIPS
 *   endpoint), the partition's dual-stack suffix with dual-stack;
 * - region `aws-global` means the legacy global endpoint `https://sts.amazonaws.com`
 *   (signed for us-east-1);
 * - FIPS or dual-stack together with a custom endpoint is refused, as the SDKs do.
 */

/** Inputs of {@link resolveStsEndpoint}, all already read by the caller. @public */
export interface StsEndpointInputs {
  /** The region to call and sign for. */
  region: string;
  /** An explicit endpoint (`--sts-endpoint`): wins over the environment. */
  endpoint?: string | undefined;
  /** What to call the explicit setting in messages. Default `--sts-endpoint`. */
  endpointName?: string;
  /** `AWS_ENDPOINT_URL_STS`. */
  serviceEndpointEnv?: string | undefined;
  /** `AWS_ENDPOINT_URL`: used only when neither of the above is set. */
  globalEndpointEnv?: string | undefined;
  fips?: boolean;
  dualStack?: boolean;
}

/** A resolved STS endpoint. @public */
export interface StsEndpoint {
  /** `http:` or `https:`. */
  protocol: "http:" | "https:";
  /** `host[:port]` exactly as sent in the Host header (default port omitted). */
  host: string;
  /** Host name alone (IPv6 without brackets) and port, for the signer. */
  hostname: string;
  port?: number;
  /** scheme://host[:port] */
  origin: string;
  /** Path of the request: the endpoint's path prefix (if any) + `/`. */
  path: string;
  /** The endpoint normalised: origin + path prefix, no trailing slash. */
  href: string;
  /** The region in the SigV4 credential scope. */
  signingRegion: string;
  source: "--sts-endpoint" | "AWS_ENDPOINT_URL_STS" | "AWS_ENDPOINT_URL" | "default";
}

const ACCEPTED = "an http:// or https:// URL with a host, such as https://sts.us-east-1.amazonaws.com or http://127.0.0.1:8080 (no user info, query or fragment)";

/**
 * Validates an STS endpoint URL (http and https only; a path prefix is kept).
 * @param name What to call the setting in the message.
 * @throws ConfigError listing what is accepted.
 * @public
 */
export function parseStsEndpointUrl(value: string, name: string, signingRegion: string): Omit<StsEndpoint, "source"> {
  const fail = (): ConfigError =>
    new ConfigError(`${name}: expected ${ACCEPTED}, got '${showValue(value)}'`, {
      hint: `fix ${name} or leave it unset to use the region's STS endpoint`,
    });
  const { url, protocol, prefix } = checkedServiceUrl(value, fail);
  return {
    protocol,
    host: url.host,
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    ...(url.port !== "" ? { port: Number(url.port) } : {}),
    origin: url.origin,
    path: `${prefix}/`,
    href: `${url.origin}${prefix}`,
    signingRegion,
  };
}

/**
 * The default STS endpoint of a region, as the AWS SDKs compute it.
 * @public
 */
export function defaultStsEndpoint(region: string, flags: { fips?: boolean; dualStack?: boolean } = {}): string {
  if (region === "aws-global" && !flags.fips && !flags.dualStack) return "https://sts.amazonaws.com";
  const p = partitionOf(region);
  if (flags.fips && flags.dualStack) return `https://sts-fips.${region}.${p.dualStackDnsSuffix}`;
  if (flags.fips) return p.id === "aws-us-gov" ? `https://sts.${region}.amazonaws.com` : `https://sts-fips.${region}.${p.dnsSuffix}`;
  if (flags.dualStack) return `https://sts.${region}.${p.dualStackDnsSuffix}`;
  return `https://sts.${region}.${p.dnsSuffix}`;
}

/**
 * Chooses the STS endpoint (see the module comment for the order).
 * @throws ConfigError for a bad URL, or a custom endpoint with FIPS / dual-stack.
 * @public
 */
export function resolveStsEndpoint(inputs: StsEndpointInputs): StsEndpoint {
  const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";
  const explicitName = inputs.endpointName ?? "--sts-endpoint";
  const signingRegion = inputs.region === "aws-global" ? "us-east-1" : inputs.region;
  let source: StsEndpoint["source"] = "default";
  let value: string | undefined;
  let name = "";
  if (set(inputs.endpoint)) {
    source = "--sts-endpoint";
    value = inputs.endpoint;
    name = explicitName;
  } else if (set(inputs.serviceEndpointEnv)) {
    source = "AWS_ENDPOINT_URL_STS";
    value = inputs.serviceEndpointEnv;
    name = source;
  } else if (set(inputs.globalEndpointEnv)) {
    source = "AWS_ENDPOINT_URL";
    value = inputs.globalEndpointEnv;
    name = source;
  }
  if (value !== undefined) {
    const modes = [inputs.fips ? "FIPS" : "", inputs.dualStack ? "dual-stack" : ""].filter(Boolean);
    if (modes.length) {
      throw new ConfigError(`${name}: a custom STS endpoint cannot be combined with ${modes.join(" and ")} endpoints`, {
        hint: `unset AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT (or drop the fips region prefix), or drop ${name}`,
      });
    }
    return { ...parseStsEndpointUrl(value, name, signingRegion), source };
  }
  const url = defaultStsEndpoint(inputs.region, { fips: inputs.fips ?? false, dualStack: inputs.dualStack ?? false });
  return { ...parseStsEndpointUrl(url, "default STS endpoint", signingRegion), source };
}
