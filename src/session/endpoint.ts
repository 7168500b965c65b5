import { ConfigError } from "../errors.js";
import { showValue } from "./arn.js";

/**
 * Region and endpoint resolution for CreateSession. Pure: every setting
 * (flags, environment values) is passed in by the caller.
 */

/** An AWS partition's DNS names. @public */
export interface PartitionInfo {
  id: string;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
}

// Region patterns and DNS suffixes of the AWS partitions (the values the AWS SDKs' endpoint rules use).
const PARTITIONS: ReadonlyArray<PartitionInfo & { regionPattern: RegExp }> = [
  { id: "aws", regionPattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" },
  { id: "aws-cn", regionPattern: /^cn-\w+-\d+$/, dnsSuffix: "amazonaws.com.cn", dualStackDnsSuffix: "api.amazonwebservices.com.cn" },
  { id: "aws-us-gov", regionPattern: /^us-gov-\w+-\d+$/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" },
  { id: "aws-iso", regionPattern: /^us-iso-\w+-\d+$/, dnsSuffix: "c2s.ic.gov", dualStackDnsSuffix: "api.aws.ic.gov" },
  { id: "aws-iso-b", regionPattern: /^us-isob-\w+-\d+$/, dnsSuffix: "sc2s.sgov.gov", dualStackDnsSuffix: "api.aws.scloud" },
  { id: "aws-iso-e", regionPattern: /^eu-isoe-\w+-\d+$/, dnsSuffix: "cloud.adc-e.uk", dualStackDnsSuffix: "api.cloud-aws.adc-e.uk" },
  { id: "aws-iso-f", regionPattern: /^us-isof-\w+-\d+$/, dnsSuffix: "csp.hci.ic.gov", dualStackDnsSuffix: "api.aws.hci.ic.gov" },
  { id: "aws-eusc", regionPattern: /^eusc-de-\w+-\d+$/, dnsSuffix: "amazonaws.eu", dualStackDnsSuffix: "api.amazonwebservices.eu" },
];

/**
 * The partition of a region; a region no pattern matches belongs to `aws`
 * (as in the AWS SDKs).
 * @public
 */
export function partitionOf(region: string): PartitionInfo {
  const p = PARTITIONS.find((x) => x.regionPattern.test(region)) ?? PARTITIONS[0]!;
  return { id: p.id, dnsSuffix: p.dnsSuffix, dualStackDnsSuffix: p.dualStackDnsSuffix };
}

/** A resolved region. @public */
export interface ResolvedRegion {
  /** The region used in the signing scope and the endpoint host name. */
  region: string;
  /** Where it came from. */
  source: "region" | "trust anchor ARN";
  /** The region was a FIPS pseudo-region (`fips-us-east-1`, `us-east-1-fips`). */
  fips: boolean;
}

const REGION_SYNTAX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Picks the region: `--region` when given, else the trust anchor ARN's region.
 * A FIPS pseudo-region (`fips-<region>` or `<region>-fips`) selects the FIPS
 * endpoint and is reduced to the real region. (The Go helper signs with the
 * raw pseudo-region, which the service cannot match; this is deliberately fixed.)
 * @throws ConfigError when `--region` is not a region name.
 * @public
 */
export function resolveRegion(explicit: string | undefined, trustAnchorRegion: string): ResolvedRegion {
  const given = explicit !== undefined && explicit !== "";
  const raw = given ? explicit : trustAnchorRegion;
  if (!REGION_SYNTAX.test(raw)) {
    throw new ConfigError(`expected a region name such as us-east-1, got '${showValue(raw)}'`, {
      setting: "region",
      hint: "leave the region unset to use the trust anchor ARN's region",
    });
  }
  let region = raw;
  let fips = false;
  if (region.startsWith("fips-")) {
    region = region.slice(5);
    fips = true;
  } else if (region.endsWith("-fips")) {
    region = region.slice(0, -5);
    fips = true;
  }
  if (!region) throw new ConfigError(`expected a region name such as us-east-1, got '${showValue(raw)}'`, { setting: "region" });
  return { region, source: given ? "region" : "trust anchor ARN", fips };
}

/**
 * The default Roles Anywhere endpoint of a region:
 * `https://rolesanywhere[-fips].<region>.<dnsSuffix or dualStackDnsSuffix>`.
 * @public
 */
export function defaultEndpoint(region: string, flags: { fips?: boolean; dualStack?: boolean } = {}): string {
  const p = partitionOf(region);
  const service = flags.fips ? "rolesanywhere-fips" : "rolesanywhere";
  const suffix = flags.dualStack ? p.dualStackDnsSuffix : p.dnsSuffix;
  return `https://${service}.${region}.${suffix}`;
}

/** A validated endpoint URL split into what the request needs. @public */
export interface EndpointUrl {
  /** `http:` or `https:`. */
  protocol: "http:" | "https:";
  /** `host[:port]` exactly as sent in the Host header (default port omitted). */
  host: string;
  /** scheme://host[:port] */
  origin: string;
  /** Path of the CreateSession request: the endpoint's path prefix (if any) + `/sessions`. */
  path: string;
  /** The endpoint normalised: origin + path prefix, no trailing slash. */
  href: string;
}

const ACCEPTED_URLS = "an http:// or https:// URL with a host, such as https://rolesanywhere.us-east-1.amazonaws.com or http://127.0.0.1:8080 (no user info, query or fragment)";

/**
 * A custom service endpoint URL, checked as every AWS endpoint setting is: http or
 * https, a host, no user info, query or fragment. `prefix` is its path without the
 * trailing slash. `fail` makes the error naming the setting.
 * @public
 */
export function checkedServiceUrl(value: string, fail: () => Error): { url: URL; protocol: "http:" | "https:"; prefix: string } {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw fail();
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) throw fail();
  if (url.username || url.password || url.search || url.hash) throw fail();
  return { url, protocol: url.protocol, prefix: url.pathname.replace(/\/+$/, "") };
}

/**
 * Validates an endpoint URL. `http` and `https` only; a path prefix is kept
 * (the request goes to `<prefix>/sessions` and is signed with that path).
 * @param name Where the value comes from: the `endpoint` setting (the error then carries its id), or
 *   the environment variable (`AWS_ENDPOINT_URL_ROLESANYWHERE`, `AWS_ENDPOINT_URL`).
 * @throws ConfigError listing what is accepted.
 * @public
 */
export function parseEndpointUrl(value: string, name: string): EndpointUrl {
  const fail = (): ConfigError =>
    new ConfigError(`${name === "endpoint" ? "" : `${name}: `}expected ${ACCEPTED_URLS}, got '${showValue(value)}'`, {
      ...(name === "endpoint" ? { setting: "endpoint" as const } : {}),
      hint: "fix it or leave it unset to use the region's endpoint",
    });
  const { url, protocol, prefix } = checkedServiceUrl(value, fail);
  return {
    protocol,
    host: url.host,
    origin: url.origin,
    path: `${prefix}/sessions`,
    href: `${url.origin}${prefix}`,
  };
}

/** Inputs of resolveEndpoint, all already read by the caller. @public */
export interface EndpointInputs {
  region: string;
  /** `--endpoint` (or the library's `endpoint` option). */
  endpoint?: string | undefined;
  /** `AWS_ENDPOINT_URL_ROLESANYWHERE`: used when `--endpoint` is not given (an explicit setting wins, as in AWS tools). */
  serviceEndpointEnv?: string | undefined;
  /** `AWS_ENDPOINT_URL`: used only when neither of the above is set. */
  globalEndpointEnv?: string | undefined;
  fips?: boolean;
  dualStack?: boolean;
}

/** A resolved endpoint. @public */
export interface ResolvedEndpoint extends EndpointUrl {
  source: "AWS_ENDPOINT_URL_ROLESANYWHERE" | "endpoint" | "AWS_ENDPOINT_URL" | "default";
  /** Settings that were overridden, naming which one won (to show as warnings). */
  warnings: string[];
}

/**
 * Chooses the endpoint: `--endpoint` (an explicit flag or option), then
 * `AWS_ENDPOINT_URL_ROLESANYWHERE`, then `AWS_ENDPOINT_URL`, then the
 * partition's default for the region (with FIPS and dual-stack): explicit >
 * environment > default, as AWS tools order settings. FIPS or dual-stack
 * together with a custom endpoint is an error, as in the AWS SDKs.
 * @throws ConfigError
 * @public
 */
export function resolveEndpoint(inputs: EndpointInputs): ResolvedEndpoint {
  const warnings: string[] = [];
  const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";
  let source: ResolvedEndpoint["source"] = "default";
  let value: string | undefined;
  if (set(inputs.endpoint)) {
    source = "endpoint";
    value = inputs.endpoint;
  } else if (set(inputs.serviceEndpointEnv)) {
    source = "AWS_ENDPOINT_URL_ROLESANYWHERE";
    value = inputs.serviceEndpointEnv;
  } else if (set(inputs.globalEndpointEnv)) {
    source = "AWS_ENDPOINT_URL";
    value = inputs.globalEndpointEnv;
  }
  if (value !== undefined) {
    const modes = [inputs.fips ? "FIPS" : "", inputs.dualStack ? "dual-stack" : ""].filter(Boolean);
    if (modes.length) {
      throw new ConfigError(`${source === "endpoint" ? "" : `${source}: `}a custom endpoint cannot be combined with ${modes.join(" and ")} endpoints`, {
        ...(source === "endpoint" ? { setting: "endpoint" as const } : {}),
        hint: "unset AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT (or drop the fips region prefix), or drop the custom endpoint",
      });
    }
    return { ...parseEndpointUrl(value, source), source, warnings };
  }
  const url = defaultEndpoint(inputs.region, { fips: inputs.fips ?? false, dualStack: inputs.dualStack ?? false });
  return { ...parseEndpointUrl(url, "default endpoint"), source, warnings };
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * True for loopback host names as a URL gives them: `localhost`, 127.x.x.x,
 * `[::1]` (never resolved through DNS). Such an endpoint never goes through a
 * proxy, and may be plain HTTP without a warning.
 * @internal
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}
