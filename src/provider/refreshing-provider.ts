/**
 * The part every SDK v3 provider of this package shares: a refresher built on
 * first use (and built again after a setup failure), the identity served from
 * one shared resolved promise while fresh, `forceRefresh`, and every failure
 * wrapped in smithy's CredentialsProviderError with tryNextLink false. Only
 * types and the clock load with this module; smithy loads on the first error.
 */
import type { Clock } from "../clock.js";
import type { Credentials } from "../credentials/types.js";
import type { Refresher } from "../credentials/refresher.js";

/** The identity handed to the SDK (an `AwsCredentialIdentity`). @public */
export interface RolesAnywhereIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** The account of the role the credentials are for (the last hop's with role chaining). */
  accountId: string;
}

/**
 * An AWS SDK v3 credential provider (assignable to `AwsCredentialIdentityProvider`).
 * `{ forceRefresh: true }` refreshes now, whatever the cache holds.
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

/**
 * A provider around the refresher `build` makes (called on first use, again
 * after it failed). `name` prefixes error messages.
 * @internal
 */
export function refreshingProvider(build: () => Promise<Refresher>, clock: Clock, name: string): RolesAnywhereProvider {
  let setup: Promise<Refresher> | undefined;
  let cached: Cached | undefined;

  const refresher = (): Promise<Refresher> => {
    if (setup) return setup;
    const p = build();
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
      throw await toProviderError(err, name);
    }
  };

  return (identityProperties) => {
    const force = identityProperties?.forceRefresh === true;
    const c = cached;
    if (c !== undefined && !force && clock.now() < c.freshUntil) return c.promise;
    return slow(force);
  };
}

/** Wraps any failure in smithy's CredentialsProviderError with tryNextLink false (the cause is kept). */
async function toProviderError(err: unknown, name: string): Promise<Error> {
  const { CredentialsProviderError } = await import("@smithy/property-provider");
  if (err instanceof CredentialsProviderError && err.tryNextLink === false) return err;
  const e = err as { message?: unknown; hint?: unknown };
  const message = err instanceof Error ? err.message : String(err);
  const hint = typeof e?.hint === "string" && e.hint !== "" ? ` (hint: ${e.hint})` : "";
  const wrapped = new CredentialsProviderError(`${name}: ${message}${hint}`, { tryNextLink: false });
  Object.defineProperty(wrapped, "cause", { value: err, configurable: true, writable: true, enumerable: false });
  return wrapped;
}
