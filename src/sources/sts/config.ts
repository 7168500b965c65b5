import { ConfigError } from "../../errors.js";
import type { StsCallConfig } from "./client.js";
import { resolveStsEndpoint } from "./endpoint.js";

/** Network settings an STS client shares with the CreateSession client. @public */
export type StsNetwork = Omit<StsCallConfig, "endpoint">;

/** What the caller chose for STS. @public */
export interface StsInit {
  /** The region to call (default: the base session's region). */
  region: string;
  /** FIPS endpoints (`AWS_USE_FIPS_ENDPOINT`, a fips region). */
  fips: boolean;
  /** Dual-stack endpoints (`AWS_USE_DUALSTACK_ENDPOINT`). */
  dualStack: boolean;
  /** `--sts-endpoint` / the `stsEndpoint` option. */
  stsEndpoint?: string | undefined;
  /** What to call that setting in messages. Default `--sts-endpoint`. */
  stsEndpointName?: string;
}

function envTrue(env: NodeJS.ProcessEnv, name: string): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === "" || v === "false") return false;
  if (v === "true") return true;
  throw new ConfigError(`${name}: expected true or false, got '${env[name]}'`, { hint: `set ${name} to true or false, or unset it` });
}

/**
 * The STS call configuration: the endpoint from the explicit setting, else
 * `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL` (both ignored under
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else the region's regional
 * endpoint; the network settings as given (those of the CreateSession client).
 * @throws ConfigError
 * @public
 */
export function resolveStsCallConfig(init: StsInit, network: StsNetwork, env: NodeJS.ProcessEnv): StsCallConfig {
  const ignore = envTrue(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  const endpoint = resolveStsEndpoint({
    region: init.region,
    endpoint: init.stsEndpoint,
    ...(init.stsEndpointName !== undefined ? { endpointName: init.stsEndpointName } : {}),
    serviceEndpointEnv: ignore ? undefined : env.AWS_ENDPOINT_URL_STS,
    globalEndpointEnv: ignore ? undefined : env.AWS_ENDPOINT_URL,
    fips: init.fips,
    dualStack: init.dualStack,
  });
  return Object.freeze({ endpoint: Object.freeze(endpoint), tls: network.tls, proxy: network.proxy, timeoutMs: network.timeoutMs, maxAttempts: network.maxAttempts });
}
