/**
 * `assumeRoleChain(baseProvider, hops)`: AssumeRole hops on top of any AWS SDK
 * v3 credential provider, with this package's refresher (single flight,
 * refresh ahead, keep-last-good). Cheap to import: the STS client loads on the
 * first call.
 */
import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Refresher } from "../credentials/refresher.js";
import type { Credentials } from "../credentials/types.js";
import type { AssumeRoleHopInit } from "../sources/assume-role/options.js";
import { refreshingProvider, type RolesAnywhereProvider } from "./refreshing-provider.js";

/** What a base provider returns (the SDK's `AwsCredentialIdentity`). @public */
export interface BaseIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  accountId?: string;
}

/** Options of {@link assumeRoleChain}. @public */
export interface AssumeRoleChainOptions {
  /** Region of STS (endpoint and signing). Default: `AWS_REGION` from `env`; one of them is required. */
  region?: string;
  /** STS endpoint URL. Default: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the region's regional endpoint. */
  stsEndpoint?: string;
  /**
   * Whether the base credentials are themselves a role session (then every hop
   * is role chaining and more than 3600 seconds is refused before any call).
   * Default false: the first hop's duration is left to STS and the role's maximum.
   */
  baseIsRoleSession?: boolean;
  /** Skip TLS verification of STS (testing only). Default false. */
  noVerifySsl?: boolean;
  /** Time limit of one STS attempt, ms. Default 10 000. */
  timeoutMs?: number;
  /** STS attempts on throttling, 5xx and network errors, 1-10. Default 3. */
  maxAttempts?: number;
  /** See `FromRolesAnywhereInit.staleMinMs`. Default 6 minutes. */
  staleMinMs?: number;
  /** Default 15 minutes. */
  staleMaxMs?: number;
  /** Default 30 000. */
  minRefreshIntervalMs?: number;
  /** Environment read at the first call (region, endpoints, proxies, CA bundle). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** undici dispatcher for STS. */
  dispatcher?: Dispatcher;
  clock?: Clock;
  /** Warnings and (with `debug`) STS debug lines; never a secret. Default `console.warn`. */
  logger?: { warn(message: string): void; debug?(message: string): void };
}

/** A base identity without an expiration lasts "for ever" within the chain: the hops' expirations decide. */
const NO_EXPIRY = new Date(8.64e15);

/**
 * AssumeRole hops on top of any AWS SDK v3 credential provider:
 *
 * ```ts
 * const credentials = assumeRoleChain(fromIni({ profile: "ci" }), [
 *   { roleArn: "arn:aws:iam::444455556666:role/workload", externalId: "…" },
 *   { roleArn: "arn:aws:iam::777788889999:role/deploy", roleSessionName: "deploy-42" },
 * ], { region: "eu-west-1" });
 * ```
 * Each refresh calls `baseProvider` and then every hop, each signed with the
 * previous hop's credentials; one refresh at a time however many callers; the
 * identity handed out is the last hop's, with the earliest expiration of the
 * chain. Errors are `CredentialsProviderError` with `tryNextLink: false`.
 * @public
 */
export function assumeRoleChain(
  baseProvider: () => Promise<BaseIdentity>,
  hops: readonly AssumeRoleHopInit[],
  options: AssumeRoleChainOptions = {},
): RolesAnywhereProvider {
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const warn = logger ? (m: string) => logger.warn(m) : (m: string) => console.warn(m);
  return refreshingProvider(() => createChainRefresher(baseProvider, hops, options, clock, warn), "assumeRoleChain");
}

async function createChainRefresher(
  baseProvider: () => Promise<BaseIdentity>,
  hops: readonly AssumeRoleHopInit[],
  options: AssumeRoleChainOptions,
  clock: Clock,
  warn: (m: string) => void,
): Promise<Refresher> {
  const [{ resolveHops }, { resolveStsCallConfig }, { resolveNetworkSettings }, { createRefresher }, { Secret }, { withAssumeRoleHops }, { ConfigError }] = await Promise.all([
    import("../sources/assume-role/options.js"),
    import("../sources/sts/config.js"),
    import("../session/config.js"),
    import("../credentials/refresher.js"),
    import("../secret.js"),
    import("../credentials/hops.js"),
    import("../errors.js"),
  ]);
  const env = options.env ?? process.env;
  if (hops.length === 0) throw new ConfigError("hops: give at least one hop { roleArn }");
  const region = options.region?.trim() || env.AWS_REGION?.trim();
  if (!region) {
    throw new ConfigError("no region for STS", { hint: "pass the region option or set AWS_REGION" });
  }
  const resolved = resolveHops(hops, { chainedFirst: options.baseIsRoleSession === true });
  const net = resolveNetworkSettings(env, {
    ...(options.noVerifySsl ? { noVerifySsl: true } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
  for (const w of net.warnings) warn(`assumeRoleChain: warning: ${w}`);
  const sts = resolveStsCallConfig(
    { region, fips: net.fips, dualStack: net.dualStack, ...(options.stsEndpoint ? { stsEndpoint: options.stsEndpoint } : {}), stsEndpointName: "stsEndpoint" },
    net,
    env,
  );
  const debug = logger(options)?.debug;
  const base = {
    fetch: async (): Promise<Credentials> => {
      const id = await baseProvider();
      if (!id || typeof id.accessKeyId !== "string" || typeof id.secretAccessKey !== "string") {
        throw new ConfigError("the base provider returned no credentials");
      }
      const expiration = id.expiration instanceof Date ? id.expiration : NO_EXPIRY;
      return {
        accessKeyId: id.accessKeyId,
        secretAccessKey: new Secret(id.secretAccessKey),
        sessionToken: new Secret(id.sessionToken ?? ""),
        expiration,
        expirationRaw: expiration.toISOString(),
        accountId: id.accountId ?? "",
        roleArn: "",
      };
    },
    describe: () => undefined,
  };
  const chain = withAssumeRoleHops(base, resolved, sts, {
    clock,
    ...(debug ? { debug: (l: string) => debug(`assumeRoleChain: ${l}`) } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  let lastFailure = "";
  return createRefresher({
    fetch: chain.fetch,
    clock,
    ...(options.staleMinMs !== undefined ? { staleMinMs: options.staleMinMs } : {}),
    ...(options.staleMaxMs !== undefined ? { staleMaxMs: options.staleMaxMs } : {}),
    ...(options.minRefreshIntervalMs !== undefined ? { minRefreshIntervalMs: options.minRefreshIntervalMs } : {}),
    onEvent: (e) => {
      if (e.type === "refresh-failed") lastFailure = e.message;
      else if (e.type === "using-last-good") {
        warn(`assumeRoleChain: refreshing credentials failed: ${lastFailure}; using the previous credentials, valid until ${e.expiration.toISOString()}`);
      }
    },
  });
}

function logger(o: AssumeRoleChainOptions): { debug?: (m: string) => void } | undefined {
  const l = o.logger;
  return l?.debug ? { debug: (m: string) => l.debug!(m) } : undefined;
}
