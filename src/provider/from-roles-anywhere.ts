/**
 * The AWS SDK for JavaScript v3 credential provider. This module imports only
 * types and the tiny clock module at load time: identity loading, signing,
 * undici and smithy are imported on the first call, so importing the package
 * stays cheap.
 */
import type { Dispatcher } from "undici";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Credentials } from "../credentials/types.js";
import type { Refresher } from "../credentials/refresher.js";
import type { IdentityInput } from "../identity/types.js";
import type { ResolvedSessionConfig, SessionInit } from "../session/config.js";

/**
 * Options of {@link fromRolesAnywhere}. Certificate, key, chain and passphrase
 * each accept a string (PEM text, or base64 DER), a Buffer (PEM or DER bytes),
 * `{ path }` (a file), or a function returning one of those (sync or async).
 * They are resolved again before every CreateSession, so rotated files or
 * secrets are picked up without a restart.
 * @public
 */
export interface FromRolesAnywhereInit {
  /**
   * The leaf certificate (PEM or DER), a fullchain PEM (leaf then intermediates),
   * a PEM holding both key and certificate, or a PKCS#12 file. Required.
   */
  certificate: IdentityInput;
  /** The private key: PKCS#8, encrypted PKCS#8, SEC1 or PKCS#1. Default: none (then `certificate` must hold it). */
  privateKey?: IdentityInput;
  /** Intermediate CA certificates (PEM bundle), sent as X-Amz-X509-Chain. Default: none (or those of a fullchain `certificate`). */
  intermediates?: IdentityInput;
  /** Password of an encrypted PKCS#8 key or of a PKCS#12 file; a string is the password itself. Default: none. */
  passphrase?: IdentityInput;
  /** Trust anchor ARN, `arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>`. Required. */
  trustAnchorArn: string;
  /** Profile ARN, in the trust anchor's partition, region and account. Required. */
  profileArn: string;
  /** Role ARN to assume; its account becomes the identity's `accountId`. Required. */
  roleArn: string;
  /**
   * Signing region and endpoint region. Default: `AWS_REGION` from `env`, else the
   * trust anchor ARN's region. A region differing from the trust anchor ARN's is
   * logged as a warning (Roles Anywhere resources are regional).
   */
  region?: string;
  /**
   * Endpoint URL, e.g. `https://rolesanywhere.us-east-1.amazonaws.com` or a local
   * emulator. Default: the region's endpoint (`AWS_USE_FIPS_ENDPOINT`,
   * `AWS_USE_DUALSTACK_ENDPOINT` honoured). `AWS_ENDPOINT_URL_ROLESANYWHERE` wins over it.
   */
  endpoint?: string;
  /** Requested session duration in seconds, 900–43200. Default 3600 (the profile may shorten it). */
  durationSeconds?: number;
  /** Role session name (the profile must accept it). Default: none (the service uses the certificate serial). */
  roleSessionName?: string;
  /** Skip TLS verification of the endpoint (testing only). Default false. */
  noVerifySsl?: boolean;
  /** Time limit of one CreateSession attempt, in ms. Default 10 000. */
  timeoutMs?: number;
  /** CreateSession attempts on throttling, 5xx and network errors, 1–10. Default 3. */
  maxAttempts?: number;
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

/** The identity handed to the SDK (an `AwsCredentialIdentity`). @public */
export interface RolesAnywhereIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** The role ARN's account. */
  accountId: string;
}

/**
 * An AWS SDK v3 credential provider (assignable to `AwsCredentialIdentityProvider`).
 * `{ forceRefresh: true }` makes a CreateSession now, whatever the cache holds.
 * (`any` as in the SDK's own IdentityProvider signature.)
 * @public
 */
export type RolesAnywhereProvider = (identityProperties?: Record<string, any>) => Promise<RolesAnywhereIdentity>;

interface Cached {
  credentials: Credentials;
  /** The same resolved promise for every caller while fresh: no allocation on the hot path. */
  promise: Promise<RolesAnywhereIdentity>;
  /** The identity is served from here until this time (the refresher's refresh point). */
  freshUntil: number;
}

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
export function fromRolesAnywhere(init: FromRolesAnywhereInit): RolesAnywhereProvider {
  const clock = init.clock ?? systemClock;
  const logger = init.logger;
  const warn: Warn = logger ? (m) => logger.warn(m) : (m) => console.warn(m);
  let setup: Promise<Refresher> | undefined;
  let cached: Cached | undefined;

  const refresher = (): Promise<Refresher> => {
    if (setup) return setup;
    const p = createProviderRefresher(init, clock, warn);
    setup = p;
    // A broken configuration may be fixed (files appear, env changes): try again next call.
    p.catch(() => {
      if (setup === p) setup = undefined;
    });
    return p;
  };

  const remember = (r: Refresher, credentials: Credentials): Promise<RolesAnywhereIdentity> => {
    if (cached?.credentials === credentials) return cached.promise;
    const identity: RolesAnywhereIdentity = {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey.reveal(),
      sessionToken: credentials.sessionToken.reveal(),
      expiration: credentials.expiration,
      accountId: credentials.accountId,
    };
    const promise = Promise.resolve(identity);
    // A slow call that got older credentials and finished late must not replace newer ones.
    if (cached && credentials.expiration.getTime() < cached.credentials.expiration.getTime()) return promise;
    const refreshAt = r.nextRefreshAt() ?? 0;
    cached = { credentials, promise, freshUntil: Math.min(refreshAt, credentials.expiration.getTime()) };
    return promise;
  };

  const slow = async (force: boolean): Promise<RolesAnywhereIdentity> => {
    try {
      const r = await refresher();
      const credentials = force ? await r.refreshNow() : await r.get();
      return await remember(r, credentials);
    } catch (err) {
      throw await toProviderError(err);
    }
  };

  return (identityProperties) => {
    const force = identityProperties?.forceRefresh === true;
    const c = cached;
    if (c !== undefined && !force && clock.now() < c.freshUntil) return c.promise;
    return slow(force);
  };
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
  let lastFailure = "";
  return createRefresher({
    fetch,
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
  const sessionInit: SessionInit = {
    trustAnchorArn: init.trustAnchorArn,
    profileArn: init.profileArn,
    roleArn: init.roleArn,
    ...(region !== undefined ? { region } : {}),
    ...(init.endpoint !== undefined && init.endpoint !== "" ? { endpoint: init.endpoint } : {}),
    ...(init.durationSeconds !== undefined ? { durationSeconds: init.durationSeconds } : {}),
    ...(init.roleSessionName !== undefined && init.roleSessionName !== "" ? { roleSessionName: init.roleSessionName } : {}),
    ...(init.noVerifySsl ? { noVerifySsl: true } : {}),
    ...(init.timeoutMs !== undefined ? { timeoutMs: init.timeoutMs } : {}),
    ...(init.maxAttempts !== undefined ? { maxAttempts: init.maxAttempts } : {}),
  };
  let config: ResolvedSessionConfig;
  try {
    config = resolve(sessionInit, env);
  } catch (err) {
    // The session layer names its CLI flags; name the option the caller actually set.
    throw renameFlags(err, region !== undefined ? source : undefined);
  }
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

const FLAG_NAMES: ReadonlyArray<[string, string]> = [
  ["--trust-anchor-arn", "trustAnchorArn"],
  ["--profile-arn", "profileArn"],
  ["--role-arn", "roleArn"],
  ["--session-duration", "durationSeconds"],
  ["--role-session-name", "roleSessionName"],
  ["--endpoint", "endpoint"],
];

/**
 * The session layer names its CLI flags in messages and hints; a library caller
 * set Init options (or AWS_REGION), so name those instead.
 */
function renameFlags(err: unknown, regionSource: string | undefined): unknown {
  if (!(err instanceof Error)) return err;
  const names: Array<[string, string]> = [...FLAG_NAMES, ["--region", regionSource === "AWS_REGION" ? "AWS_REGION" : "region"]];
  const rename = (text: string): string => {
    let out = text;
    for (const [flag, option] of names) out = out.replace(new RegExp(`${flag}(?![\\w-])`, "g"), option);
    return out;
  };
  err.message = rename(err.message);
  const withHint = err as Error & { hint?: unknown };
  if (typeof withHint.hint === "string") withHint.hint = rename(withHint.hint);
  return err;
}

/** Wraps any failure in smithy's CredentialsProviderError with tryNextLink false (the cause is kept). */
async function toProviderError(err: unknown): Promise<Error> {
  const { CredentialsProviderError } = await import("@smithy/property-provider");
  if (err instanceof CredentialsProviderError && err.tryNextLink === false) return err;
  const e = err as { message?: unknown; hint?: unknown };
  const message = err instanceof Error ? err.message : String(err);
  const hint = typeof e?.hint === "string" && e.hint !== "" ? ` (hint: ${e.hint})` : "";
  const wrapped = new CredentialsProviderError(`fromRolesAnywhere: ${message}${hint}`, { tryNextLink: false });
  Object.defineProperty(wrapped, "cause", { value: err, configurable: true, writable: true, enumerable: false });
  return wrapped;
}
