/**
 * The AWS SDK for JavaScript v3 credential provider. This module imports only
 * types and the tiny clock module at load time: identity loading, signing,
 * undici and smithy are imported on the first call, so importing the package
 * stays cheap.
 */
import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { SettingId } from "../errors.js";
import type { Refresher } from "../credentials/refresher.js";
import { refreshingProvider, type RolesAnywhereProvider } from "./refreshing-provider.js";
import type { AssumeRoleHopInit } from "../sources/assume-role/options.js";
import type { IdentityInput, Pkcs11Input } from "../identity/types.js";
import type { ResolvedSessionConfig, SessionInit } from "../session/config.js";

/**
 * Options of {@link fromRolesAnywhere}. Certificate, key, chain and passphrase
 * each accept a string (PEM text, or base64 DER), a Buffer (PEM or DER bytes),
 * `{ path }` (a file), or a function returning one of those (sync or async).
 * They are resolved again before every CreateSession, so rotated files or
 * secrets are picked up without a restart.
 * @public
 */
export interface FromRolesAnywhereInit extends SessionInit {
  /**
   * The leaf certificate (PEM or DER), a fullchain PEM (leaf then intermediates),
   * a PEM holding both key and certificate, a PKCS#12 file, or one on a PKCS#11
   * token (`{ pkcs11: uri, module?, pin?, reusePin? }`; then the key is looked for
   * next to it unless `privateKey` names it). Required.
   */
  certificate: IdentityInput | Pkcs11Input;
  /** The private key: PKCS#8, encrypted PKCS#8, SEC1 or PKCS#1, or one on a PKCS#11 token (`{ pkcs11: uri, … }`). Default: none (then `certificate` must hold it, or be on a token). */
  privateKey?: IdentityInput | Pkcs11Input;
  /** Intermediate CA certificates (PEM bundle), sent as X-Amz-X509-Chain. Default: none (or those of a fullchain `certificate`). */
  intermediates?: IdentityInput;
  /** Password of an encrypted PKCS#8 key or of a PKCS#12 file; a string is the password itself. Default: none. */
  passphrase?: IdentityInput;
  /**
   * Signing region and endpoint region. Default: `AWS_REGION` from `env`, else the
   * trust anchor ARN's region. A region differing from the trust anchor ARN's is
   * logged as a warning (Roles Anywhere resources are regional).
   */
  region?: string;
  /**
   * Endpoint URL, e.g. `https://rolesanywhere.us-east-1.amazonaws.com` or a local
   * emulator. Wins over `AWS_ENDPOINT_URL_ROLESANYWHERE` and `AWS_ENDPOINT_URL`. Default:
   * the region's endpoint (`AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT` honoured).
   */
  endpoint?: string;
  /**
   * AssumeRole hops after the Roles Anywhere session, in order: each is signed
   * with the previous hop's credentials, and the provider hands out the last
   * hop's (with the earliest expiration of the chain; the whole chain is
   * refreshed as a unit). Every hop is role chaining, so STS caps its
   * `durationSeconds` at 3600 (more is refused before any call). Default: none.
   */
  assumeRole?: readonly AssumeRoleHopInit[];
  /**
   * STS endpoint URL of the hops. Default: `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`,
   * else the region's regional endpoint (FIPS / dual-stack switches honoured).
   */
  stsEndpoint?: string;
  /**
   * Credentials are refreshed a random time between `staleMinMs` and `staleMaxMs`
   * before they expire (capped near half the lifetime for short sessions).
   * Default 6 minutes: the SDK's own 5-minute window plus a margin.
   */
  staleMinMs?: number;
  /** See `staleMinMs`. Default 15 minutes. */
  staleMaxMs?: number;
  /** No two CreateSession attempts closer than this (failures included; `forceRefresh` excepted), in ms. Default 30 000. */
  minRefreshIntervalMs?: number;
  /**
   * Environment read once, at the first call: `AWS_REGION`, `AWS_ENDPOINT_URL_ROLESANYWHERE`,
   * `AWS_ENDPOINT_URL`, FIPS/dual-stack switches, `AWS_CA_BUNDLE`, proxies
   * (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`). Default `process.env`.
   */
  env?: NodeJS.ProcessEnv;
  /** undici dispatcher for CreateSession (custom proxy or TLS). Default: one built from `env` per call. */
  dispatcher?: Dispatcher;
  /** Time source (tests). Default: the system clock. */
  clock?: Clock;
  /**
   * Receives warnings (conflicting settings, certificate expiring, a refresh that
   * failed while previous credentials are still valid) and, when `debug` exists,
   * the CreateSession debug lines. Never given a secret. Default: `console.warn`, no debug.
   */
  logger?: { warn(message: string): void; debug?(message: string): void };
}

/**
 * {@link fromRolesAnywhere} with the settings in a named profile of the AWS config
 * file (`[profile NAME]`, rolesanywhere_* keys, as the CLI's `--config-profile`):
 * every option is optional and wins over the profile; endpoint and region variables
 * of `env` win over the profile too. The file (`AWS_CONFIG_FILE` of `env`, else
 * ~/.aws/config) is read at the first call.
 * @public
 */
export type FromConfigProfileInit = Partial<FromRolesAnywhereInit> & { configProfile: string };

export type { RolesAnywhereIdentity, RolesAnywhereProvider } from "./refreshing-provider.js";

type Warn = (message: string) => void;

/**
 * An AWS SDK for JavaScript v3 credential provider backed by IAM Roles Anywhere:
 *
 * ```ts
 * const sts = new STSClient({
 *   credentials: fromRolesAnywhere({
 *     certificate: { path: "client-cert.pem" }, privateKey: { path: "client-key.pem" },
 *     trustAnchorArn, profileArn, roleArn,
 *   }),
 * });
 * ```
 * One CreateSession at a time however many callers (single flight); the identity
 * is cached until shortly before it expires (a cached call returns one shared,
 * already-resolved promise); the certificate and key are resolved again at each
 * refresh. A failed refresh while the previous credentials are still valid
 * returns those (with a warning). Every error is a `CredentialsProviderError`
 * with `tryNextLink: false`, so an SDK credential chain stops at this
 * configured-but-broken provider instead of silently using other credentials;
 * the original error (with its `code` and `hint`) is its `cause`.
 * @public
 */
export function fromRolesAnywhere(init: FromRolesAnywhereInit | FromConfigProfileInit): RolesAnywhereProvider {
  const clock = init.clock ?? systemClock;
  const logger = init.logger;
  const warn: Warn = logger ? (m) => logger.warn(m) : (m) => console.warn(m);
  const resolved = async (): Promise<FromRolesAnywhereInit> => {
    if (!("configProfile" in init) || init.configProfile === undefined) return init as FromRolesAnywhereInit;
    const { withConfigProfile } = await import("./config-profile-options.js");
    return withConfigProfile(init, init.env ?? process.env) as FromRolesAnywhereInit;
  };
  return refreshingProvider(async () => createProviderRefresher(await resolved(), clock, warn), "fromRolesAnywhere", optionNames(init as FromRolesAnywhereInit));
}

/** Resolves the configuration, logs its warnings, and builds the refresher (heavy modules load here). */
async function createProviderRefresher(init: FromRolesAnywhereInit, clock: Clock, warn: Warn): Promise<Refresher> {
  const [{ resolveSessionConfig }, { createCredentialFetcher }, { createRefresher }] = await Promise.all([
    import("../session/config.js"),
    import("../credentials/fetcher.js"),
    import("../credentials/refresher.js"),
  ]);
  const env = init.env ?? process.env;
  const config = resolveProviderConfig(init, env, resolveSessionConfig);
  for (const w of config.warnings) warn(`fromRolesAnywhere: warning: ${w}`);
  const debug = init.logger?.debug ? (line: string) => init.logger!.debug!(`fromRolesAnywhere: ${line}`) : undefined;
  const fetch = createCredentialFetcher(
    {
      certificate: init.certificate,
      ...(init.privateKey !== undefined ? { privateKey: init.privateKey } : {}),
      ...(init.intermediates !== undefined ? { intermediates: init.intermediates } : {}),
      ...(init.passphrase !== undefined ? { passphrase: init.passphrase } : {}),
    },
    config,
    {
      // No promptPassword: a library never prompts; an encrypted key needs `passphrase`.
      io: { env },
      clock,
      warn: (m) => warn(`fromRolesAnywhere: ${m}`),
      ...(debug ? { debug } : {}),
      ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}),
    },
  );
  const hops = init.assumeRole ?? [];
  let chained = fetch;
  if (hops.length > 0) {
    const [{ resolveHops }, { stsConfigForSession, withAssumeRoleHops }] = await Promise.all([
      import("../sources/assume-role/options.js"),
      import("../credentials/hops.js"),
    ]);
    const resolved = resolveHops(hops, { chainedFirst: true, partition: config.arns.role.partition });
    const sts = stsConfigForSession(config, env, init.stsEndpoint, "stsEndpoint");
    chained = withAssumeRoleHops({ fetch, describe: () => undefined }, resolved, sts, {
      clock,
      ...(debug ? { debug } : {}),
      ...(init.dispatcher ? { dispatcher: init.dispatcher } : {}),
    }).fetch;
  }
  let lastFailure = "";
  return createRefresher({
    fetch: chained,
    clock,
    ...(init.staleMinMs !== undefined ? { staleMinMs: init.staleMinMs } : {}),
    ...(init.staleMaxMs !== undefined ? { staleMaxMs: init.staleMaxMs } : {}),
    ...(init.minRefreshIntervalMs !== undefined ? { minRefreshIntervalMs: init.minRefreshIntervalMs } : {}),
    onEvent: (e) => {
      // A failure with nothing valid left reaches the caller as an error; only the
      // case where the caller silently gets the previous credentials is logged.
      if (e.type === "refresh-failed") lastFailure = e.message;
      else if (e.type === "using-last-good") {
        const minutes = Math.floor(e.remainingMs / 60_000);
        warn(
          `fromRolesAnywhere: refreshing credentials failed: ${lastFailure}; using the previous credentials, valid until ${e.expiration.toISOString()} (${minutes} min left)`,
        );
      }
    },
  });
}

/**
 * Maps the Init onto the session configuration. Region: the `region` option,
 * else `AWS_REGION`, else the trust anchor ARN's region; a chosen region that
 * differs from the trust anchor ARN's is reported as a warning naming the winner.
 */
function resolveProviderConfig(
  init: FromRolesAnywhereInit,
  env: NodeJS.ProcessEnv,
  resolve: (init: SessionInit, env: NodeJS.ProcessEnv) => ResolvedSessionConfig,
): ResolvedSessionConfig {
  const option = init.region !== undefined && init.region !== "" ? init.region : undefined;
  const fromEnv = env.AWS_REGION !== undefined && env.AWS_REGION.trim() !== "" ? env.AWS_REGION.trim() : undefined;
  const region = option ?? fromEnv;
  const source = option !== undefined ? "the region option" : "AWS_REGION";
  // The Init is a SessionInit plus the provider's own options, which the session ignores.
  const config = resolve({ ...init, ...(region !== undefined ? { region } : {}) }, env);
  const anchorRegion = config.arns.trustAnchor.region;
  if (region !== undefined && config.region !== anchorRegion) {
    const warnings = [
      ...config.warnings,
      `region ${config.region} from ${source} differs from the trust anchor ARN's region ${anchorRegion}; ${source} wins ` +
        `(CreateSession goes to ${config.region}, where the trust anchor must exist); ` +
        (option !== undefined ? "drop the region option" : "set the region option or unset AWS_REGION") +
        ` to use ${anchorRegion}`,
    ];
    return Object.freeze({ ...config, warnings: Object.freeze(warnings) });
  }
  return config;
}

/** How the library names a setting in a message: by its option, or AWS_REGION when the region came from there. */
function optionNames(init: FromRolesAnywhereInit): (setting: SettingId) => string {
  const env = init.env ?? process.env;
  const regionFromEnv = (init.region === undefined || init.region === "") && env.AWS_REGION !== undefined && env.AWS_REGION.trim() !== "";
  return (setting) => (setting === "region" && regionFromEnv ? "AWS_REGION" : setting);
}
