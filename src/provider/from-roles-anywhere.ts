import type { Clock } from "../clock.js";
import type { IdentityInput } from "../identity/types.js";
import type { Credentials } from "../credentials/types.js";

/**
 * Options of {@link fromRolesAnywhere}. Certificate, key, chain and passphrase
 * each accept a string (the PEM value, or base64 DER), a Buffer, `{ path }`, or
 * an async function; they are resolved again at every refresh, so rotated
 * files or secrets are picked up without a restart.
 * @public
 */
export interface FromRolesAnywhereInit {
  /** The leaf certificate (PEM/DER), a fullchain PEM, a PEM holding key and certificate, or a PKCS#12. */
  certificate: IdentityInput;
  /** The private key. Optional when `certificate` also holds it (combined PEM, PKCS#12). */
  privateKey?: IdentityInput;
  /** Intermediate CA certificates (PEM bundle), sent as X-Amz-X509-Chain. */
  intermediates?: IdentityInput;
  /** Password of an encrypted PKCS#8 key or of a PKCS#12 file. */
  passphrase?: IdentityInput;
  /** Trust anchor ARN (required). */
  trustAnchorArn: string;
  /** Profile ARN (required). */
  profileArn: string;
  /** Role ARN (required); its account becomes `accountId`. */
  roleArn: string;
  /** Signing region. Default: `AWS_REGION`, then the trust anchor ARN's region. */
  region?: string;
  /** Endpoint URL. Default: `AWS_ENDPOINT_URL_ROLESANYWHERE`, then the region's endpoint. */
  endpoint?: string;
  /** Session duration in seconds, 900-43200. Default 3600. */
  durationSeconds?: number;
  /** Role session name (the profile must accept it). Default: none (the service uses the certificate serial). */
  roleSessionName?: string;
  /** Skip TLS verification of the endpoint (testing only). Default false. */
  noVerifySsl?: boolean;
  /** Refresh this long before expiry, at the earliest (ms). Default 15 minutes. */
  staleMaxMs?: number;
  /** Refresh this long before expiry, at the latest (ms). Default 5 minutes. */
  staleMinMs?: number;
  /** Environment to read (AWS_REGION, AWS_ENDPOINT_URL_ROLESANYWHERE, proxies, AWS_CA_BUNDLE). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Clock (tests). Default: the system clock. */
  clock?: Clock;
  /** Where warnings go (certificate expiring, refresh failed). Default: `console.warn`. */
  logger?: { warn(msg: string): void; debug?(msg: string): void };
}

/** The identity the SDK receives. @public */
export interface RolesAnywhereIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  accountId: string;
}

/** An AWS SDK v3 credential provider (AwsCredentialIdentityProvider). @public */
export type RolesAnywhereProvider = (options?: { forceRefresh?: boolean; callerClientConfig?: unknown }) => Promise<RolesAnywhereIdentity>;

/**
 * An AWS SDK for JavaScript v3 credential provider backed by IAM Roles Anywhere.
 *
 * ```ts
 * const sts = new STSClient({ credentials: fromRolesAnywhere({ certificate: { path: "cert.pem" }, privateKey: { path: "key.pem" }, trustAnchorArn, profileArn, roleArn }) });
 * ```
 * One CreateSession at a time however many callers; cached until shortly before
 * expiry; identity re-resolved at each refresh. Errors are CredentialsProviderError
 * with `tryNextLink: false`, so an SDK chain stops here instead of silently using
 * other credentials.
 * @public
 */
export function fromRolesAnywhere(init: FromRolesAnywhereInit): RolesAnywhereProvider {
  let refresher: Promise<{ get(): Promise<Credentials>; refreshNow(): Promise<Credentials> }> | undefined;
  const logger = init.logger ?? { warn: (m: string) => console.warn(m) };

  const setup = async () => {
    const [{ resolveSessionConfig }, { createCredentialFetcher }, { createRefresher }] = await Promise.all([
      import("../session/config.js"),
      import("./credential-fetcher.js"),
      import("../credentials/refresher.js"),
    ]);
    const env = init.env ?? process.env;
    const region = init.region ?? (env.AWS_REGION || undefined);
    const config = resolveSessionConfig(
      {
        trustAnchorArn: init.trustAnchorArn,
        profileArn: init.profileArn,
        roleArn: init.roleArn,
        ...(region ? { region } : {}),
        ...(init.endpoint ? { endpoint: init.endpoint } : {}),
        ...(init.durationSeconds !== undefined ? { durationSeconds: init.durationSeconds } : {}),
        ...(init.roleSessionName ? { roleSessionName: init.roleSessionName } : {}),
        ...(init.noVerifySsl ? { noVerifySsl: true } : {}),
      },
      env,
    );
    const fetch = createCredentialFetcher(
      {
        certificate: init.certificate,
        ...(init.privateKey !== undefined ? { privateKey: init.privateKey } : {}),
        ...(init.intermediates !== undefined ? { intermediates: init.intermediates } : {}),
        ...(init.passphrase !== undefined ? { passphrase: init.passphrase } : {}),
      },
      config,
      {
        io: { env },
        ...(init.clock ? { clock: init.clock } : {}),
        warn: (m) => logger.warn(m),
      },
    );
    return createRefresher({
      fetch,
      ...(init.clock ? { clock: init.clock } : {}),
      ...(init.staleMinMs !== undefined ? { staleMinMs: init.staleMinMs } : {}),
      ...(init.staleMaxMs !== undefined ? { staleMaxMs: init.staleMaxMs } : {}),
      onEvent: (e: { type: string; message?: string }) => {
        if (e.type === "refresh-failed" || e.type === "using-last-good" || e.type === "cert-expiring-soon") {
          logger.warn(`rolesanywhere: ${e.message ?? e.type}`);
        }
      },
    });
  };

  return async (options) => {
    try {
      refresher ??= setup();
      let r: Awaited<typeof refresher>;
      try {
        r = await refresher;
      } catch (err) {
        refresher = undefined; // configuration may be fixed (env, files): try again next call
        throw err;
      }
      const creds = options?.forceRefresh ? await r.refreshNow() : await r.get();
      return {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey.reveal(),
        sessionToken: creds.sessionToken.reveal(),
        expiration: creds.expiration,
        accountId: creds.accountId,
      };
    } catch (err) {
      const { CredentialsProviderError } = await import("@smithy/property-provider");
      const message = err instanceof Error ? err.message : String(err);
      const wrapped = new CredentialsProviderError(`fromRolesAnywhere: ${message}`, { tryNextLink: false });
      (wrapped as Error & { cause?: unknown }).cause = err;
      throw wrapped;
    }
  };
}
