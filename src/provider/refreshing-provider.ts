/**
 * The part every SDK v3 provider of this package shares: a refresher built on
 * first use (and built again after a setup failure), the identity served from
 * the refresher's credentials (the one cache: no freshness rule of its own here),
 * `forceRefresh`, and every failure wrapped in smithy's CredentialsProviderError
 * with tryNextLink false. Only types load with this module; smithy on the first error.
 */
import type { SettingId } from "../errors.js";
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

/**
 * A provider around the refresher `build` makes (called on first use, again
 * after it failed). `name` prefixes error messages.
 * @internal
 */
export function refreshingProvider(
  build: () => Promise<Refresher>,
  name: string,
  nameSetting: (setting: SettingId) => string = (setting) => setting,
): RolesAnywhereProvider {
  let setup: Promise<Refresher> | undefined;
  // The refresher is the one cache; this keeps only the SDK-shaped copy of its current credentials.
  let last: { credentials: Credentials; identity: RolesAnywhereIdentity } | undefined;

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

  const identityOf = (credentials: Credentials): RolesAnywhereIdentity => {
    if (last?.credentials !== credentials) {
      const identity: RolesAnywhereIdentity = {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey.reveal(),
        sessionToken: credentials.sessionToken.reveal(),
        expiration: credentials.expiration,
        accountId: credentials.accountId,
      };
      last = { credentials, identity };
    }
    return last.identity;
  };

  return async (identityProperties) => {
    try {
      const r = await refresher();
      return identityOf(identityProperties?.forceRefresh === true ? await r.refreshNow() : await r.get());
    } catch (err) {
      throw await toProviderError(err, name, nameSetting);
    }
  };
}

/**
 * Wraps any failure in smithy's CredentialsProviderError with tryNextLink false
 * (the cause is kept); a setting the error is about is named by `nameSetting`.
 */
async function toProviderError(err: unknown, name: string, nameSetting: (setting: SettingId) => string): Promise<Error> {
  const [{ CredentialsProviderError }, { messageNaming, RolesAnywhereError }] = await Promise.all([
    import("@smithy/property-provider"),
    import("../errors.js"),
  ]);
  if (err instanceof CredentialsProviderError && err.tryNextLink === false) return err;
  const e = err as { message?: unknown; hint?: unknown };
  const message = err instanceof RolesAnywhereError ? messageNaming(err, nameSetting) : err instanceof Error ? err.message : String(err);
  const hint = typeof e?.hint === "string" && e.hint !== "" ? ` (hint: ${e.hint})` : "";
  const wrapped = new CredentialsProviderError(`${name}: ${message}${hint}`, { tryNextLink: false });
  Object.defineProperty(wrapped, "cause", { value: err, configurable: true, writable: true, enumerable: false });
  return wrapped;
}
