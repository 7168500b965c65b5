/**
 * `fromSaml({ … })`: an AWS SDK v3 credential provider from SAML federation:
 * a sign-in at the IdP on every refresh (or one given assertion, which cannot
 * be refreshed) → STS AssumeRoleWithSAML, with this package's refresher
 * (single flight, refresh ahead, keep-last-good). Cheap to import: the SAML
 * and STS code load on the first call.
 */
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Refresher } from "../credentials/refresher.js";
import { refreshingProvider, type RolesAnywhereProvider } from "./refreshing-provider.js";

/** Options of {@link fromSaml}. Give `samlAssertion` or `idpUrl` with `username` and `password`. @public */
export interface FromSamlInit {
  /** A SAMLResponse (base64 or XML); it cannot be refreshed. */
  samlAssertion?: string;
  /** The IdP-initiated sign-on URL (ADFS: …/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices). */
  idpUrl?: string;
  username?: string;
  /** Called at every sign-in (so a rotated password is picked up). */
  password?: () => string | Promise<string>;
  /** Chooses among the assertion's role pairs (needed when it offers several). */
  roleArn?: string;
  principalArn?: string;
  /** Default: the assertion's SessionDuration, else STS's 3600. */
  durationSeconds?: number;
  /** Region of STS. Default `AWS_REGION` from `env`, else us-east-1. */
  region?: string;
  /** Default `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else the region's regional endpoint. */
  stsEndpoint?: string;
  noVerifySsl?: boolean;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  logger?: { warn(message: string): void; debug?(message: string): void };
}

/**
 * ```ts
 * const credentials = fromSaml({ idpUrl, username: "alice", password: () => process.env.IDP_PASSWORD!, roleArn });
 * ```
 * Errors are `CredentialsProviderError` with `tryNextLink: false`.
 * @public
 */
export function fromSaml(init: FromSamlInit): RolesAnywhereProvider {
  const clock = init.clock ?? systemClock;
  const warn = init.logger ? (m: string) => init.logger!.warn(m) : (m: string) => console.warn(m);
  return refreshingProvider(() => createSamlRefresher(init, clock, warn), "fromSaml");
}

async function createSamlRefresher(init: FromSamlInit, clock: Clock, warn: (m: string) => void): Promise<Refresher> {
  const [{ resolveStsCallConfig }, { resolveNetworkSettings }, { createRefresher }, { Secret }, { samlSource }, { ConfigError }] = await Promise.all([
    import("../sources/sts/config.js"),
    import("../session/config.js"),
    import("../credentials/refresher.js"),
    import("../secret.js"),
    import("../credentials/saml-source.js"),
    import("../errors.js"),
  ]);
  const env = init.env ?? process.env;
  if ((init.samlAssertion === undefined) === (init.idpUrl === undefined)) throw new ConfigError("fromSaml: give samlAssertion or idpUrl (one of them)");
  if (init.idpUrl !== undefined && (!init.username || typeof init.password !== "function")) {
    throw new ConfigError("fromSaml: idpUrl needs username and a password function");
  }
  const net = resolveNetworkSettings(env, {
    ...(init.noVerifySsl ? { noVerifySsl: true } : {}),
    ...(init.timeoutMs !== undefined ? { timeoutMs: init.timeoutMs } : {}),
  });
  for (const w of net.warnings) warn(`fromSaml: warning: ${w}`);
  const region = init.region?.trim() || env.AWS_REGION?.trim() || "us-east-1";
  const sts = resolveStsCallConfig(
    { region, fips: net.fips, dualStack: net.dualStack, ...(init.stsEndpoint ? { stsEndpoint: init.stsEndpoint } : {}), stsEndpointName: "stsEndpoint" },
    net,
    env,
  );
  // The password is fetched before each sign-in; the source's callback is synchronous.
  let password = new Secret("");
  const assertion = init.samlAssertion;
  const source = samlSource({
    response: assertion !== undefined
      ? { kind: "assertion", read: () => assertion, name: "samlAssertion" }
      : { kind: "idp", url: init.idpUrl!, username: init.username!, password: () => password },
    sts,
    clock,
    flags: { role: "roleArn", principal: "principalArn" },
    ...(init.roleArn !== undefined ? { roleArn: init.roleArn } : {}),
    ...(init.principalArn !== undefined ? { principalArn: init.principalArn } : {}),
    ...(init.durationSeconds !== undefined ? { durationSeconds: init.durationSeconds } : {}),
    ...(init.logger?.debug ? { debug: (l: string) => init.logger!.debug!(`fromSaml: ${l}`) } : {}),
  });
  let lastFailure = "";
  return createRefresher({
    fetch: async () => {
      if (init.password) password = new Secret(await init.password());
      return source.fetch();
    },
    clock,
    onEvent: (e) => {
      if (e.type === "refresh-failed") lastFailure = e.message;
      else if (e.type === "using-last-good") warn(`fromSaml: refreshing credentials failed: ${lastFailure}; using the previous credentials, valid until ${e.expiration.toISOString()}`);
    },
  });
}
