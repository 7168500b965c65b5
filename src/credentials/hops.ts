import type { Clock } from "../clock.js";
import type { ResolvedSessionConfig } from "../session/config.js";
import { hopKeyFields, type ResolvedHop } from "../sources/assume-role/options.js";
import type { StsCallConfig } from "../sources/sts/client.js";
import { resolveStsCallConfig } from "../sources/sts/config.js";
import type { BaseCredentialSource, SourceDescription } from "./source.js";

/** Options of {@link withAssumeRoleHops}. @public */
export interface HopStageOptions {
  clock?: Clock;
  /** --debug lines of the STS calls (never a secret). */
  debug?: (line: string) => void;
  /** undici dispatcher for the STS calls (tests, custom proxies). */
  dispatcher?: unknown;
}

/**
 * The AssumeRole stage of the pipeline: `base` → hop 1 → … → hop n, as one
 * source. Each `fetch` gets new base credentials and runs every hop again
 * (the chain is refreshed as a unit), signing each hop with the previous one's
 * credentials; the credentials handed out are the last hop's, with the earliest
 * expiration of the chain. The description is the base's followed by the STS
 * endpoint and every hop's settings, so a cache keyed on it is keyed by the
 * whole chain. With no hops, `base` itself is returned.
 * The STS client (and @smithy/signature-v4) load on the first fetch.
 * @public
 */
export function withAssumeRoleHops(
  base: BaseCredentialSource,
  hops: readonly ResolvedHop[],
  sts: StsCallConfig,
  opts: HopStageOptions = {},
): BaseCredentialSource {
  if (hops.length === 0) return base;
  return {
    fetch: async () => {
      const first = await base.fetch();
      const { applyHops } = await import("../sources/assume-role/assume-role.js");
      return applyHops(first, hops, {
        sts,
        ...(opts.clock ? { clock: opts.clock } : {}),
        ...(opts.debug ? { debug: opts.debug } : {}),
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
      });
    },
    describe: () => {
      const d = base.describe();
      if (d === undefined) return undefined;
      const own: SourceDescription = ["assume-role-v1", sts.endpoint.href, ...hops.map((h) => JSON.stringify(hopKeyFields(h)))];
      return [...d, ...own];
    },
  };
}

/**
 * The STS configuration of hops after a Roles Anywhere session: the session's
 * region, FIPS and dual-stack choice, TLS, proxies and limits; the endpoint from
 * `stsEndpoint`, else `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the
 * region's regional STS endpoint.
 * @public
 */
export function stsConfigForSession(
  config: ResolvedSessionConfig,
  env: NodeJS.ProcessEnv,
  stsEndpoint?: string,
  stsEndpointName?: string,
): StsCallConfig {
  return resolveStsCallConfig(
    {
      region: config.region,
      fips: config.fips,
      dualStack: config.dualStack,
      ...(stsEndpoint !== undefined && stsEndpoint !== "" ? { stsEndpoint } : {}),
      ...(stsEndpointName !== undefined ? { stsEndpointName } : {}),
    },
    { tls: config.tls, proxy: config.proxy, timeoutMs: config.timeoutMs, maxAttempts: config.maxAttempts },
    env,
  );
}
