import { ConfigError } from "../errors.js";
import { Secret } from "../secret.js";
import type { SessionArns } from "./arn.js";
import { parseSessionArns, showValue } from "./arn.js";
import type { EndpointUrl, ResolvedEndpoint, ResolvedRegion } from "./endpoint.js";
import { resolveEndpoint, resolveRegion } from "./endpoint.js";

// Through getBuiltinModule, not `import … from "node:fs"`: this module is on the
// start-up path of every credential-process run, and an ESM import of node:fs
// builds its whole namespace (start-up time).
const { readFileSync } = process.getBuiltinModule("node:fs");

/**
 * What a caller may set for CreateSession. Only the three ARNs are required.
 * @public
 */
export interface SessionInit {
  /** Trust anchor ARN (`--trust-anchor-arn`). */
  trustAnchorArn: string;
  /** Profile ARN (`--profile-arn`); same partition, region and account as the trust anchor. */
  profileArn: string;
  /** Role ARN (`--role-arn`); its account becomes the credentials' `accountId`. */
  roleArn: string;
  /** Signing region (`--region`). Default: the trust anchor ARN's region. */
  region?: string;
  /** Endpoint URL (`--endpoint`). Wins over `AWS_ENDPOINT_URL_ROLESANYWHERE` and `AWS_ENDPOINT_URL`. Default: the region's endpoint. */
  endpoint?: string;
  /** Requested session duration in seconds, 900-43200 (`--session-duration`). Default 3600. */
  durationSeconds?: number;
  /** Role session name (`--role-session-name`); the profile must accept it. Default: none. */
  roleSessionName?: string;
  /** Skip TLS verification of the endpoint (`--no-verify-ssl`, testing only). Default false. */
  noVerifySsl?: boolean;
  /**
   * Time limit of the whole call, in ms (`--timeout` × 1000): every attempt,
   * retry and backoff together; each attempt gets what is left. Default 15 000.
   */
  timeoutMs?: number;
  /** Attempts on throttling, 5xx and network errors, 1-10. Default 3. */
  maxAttempts?: number;
}

/**
 * Everything CreateSession needs, resolved once from the Init and the
 * environment; frozen. Nothing downstream reads `process.env`.
 * @public
 */
export interface ResolvedSessionConfig {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArn: string;
  readonly arns: SessionArns;
  /** The role ARN's account. */
  readonly accountId: string;
  /** Signing region. */
  readonly region: string;
  readonly regionSource: ResolvedRegion["source"];
  /** The endpoint, normalised (origin + path prefix, no trailing slash). */
  readonly endpoint: string;
  readonly endpointSource: ResolvedEndpoint["source"];
  /** The endpoint split for the request (host header, path of /sessions). */
  readonly url: Readonly<EndpointUrl>;
  readonly fips: boolean;
  readonly dualStack: boolean;
  readonly durationSeconds: number;
  readonly roleSessionName?: string;
  readonly tls: Readonly<{
    rejectUnauthorized: boolean;
    /** PEM text of AWS_CA_BUNDLE, replacing the default roots. */
    ca?: string;
    caBundlePath?: string;
  }>;
  /** Proxy URLs from HTTPS_PROXY/HTTP_PROXY/NO_PROXY (lower case first); "" = none. Secret: they may hold a password. */
  readonly proxy: Readonly<{ httpProxy: Secret<string>; httpsProxy: Secret<string>; noProxy: string }>;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  /** Conflicting or risky settings, each naming what wins (for the caller to show). */
  readonly warnings: readonly string[];
}

const DEFAULT_DURATION = 3600;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_ATTEMPTS = 3;

function envBool(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return false;
  const v = raw.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ConfigError(`${name}: expected true or false, got '${showValue(raw)}'`, { hint: `set ${name} to true or false, or unset it` });
}

function envValue(env: NodeJS.ProcessEnv, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") return { name, value: value.trim() };
  }
  return undefined;
}

/** Hides the user-info part of a URL (proxy passwords). */
function withoutUserInfo(value: string): string {
  return value.replace(/\/\/[^/@]*@/, "//[redacted]@");
}

function proxyUrl(found: { name: string; value: string } | undefined): Secret<string> {
  if (!found) return new Secret("");
  const value = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
  let ok = false;
  try {
    const u = new URL(value);
    ok = ["http:", "https:", "socks:", "socks5:"].includes(u.protocol) && u.hostname !== "";
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ConfigError(
      `${found.name}: expected a proxy URL such as http://proxy.example.com:3128 (http, https or socks5), got '${showValue(withoutUserInfo(found.value))}'`,
      { hint: `fix or unset ${found.name}` },
    );
  }
  return new Secret(value);
}

function readCaBundle(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(`AWS_CA_BUNDLE: cannot read '${showValue(path)}' (${code})`, {
      cause: err,
      hint: "point AWS_CA_BUNDLE at a readable PEM file of CA certificates, or unset it",
    });
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(`AWS_CA_BUNDLE: '${showValue(path)}' holds no PEM certificate`, {
      hint: "AWS_CA_BUNDLE must be a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks",
    });
  }
  return text;
}

function checkDuration(value: number | undefined): number {
  if (value === undefined) return DEFAULT_DURATION;
  if (!Number.isInteger(value) || value < 900 || value > 43200) {
    throw new ConfigError(`expected whole seconds from 900 to 43200, got ${showValue(String(value))}`, {
      setting: "durationSeconds",
      hint: "the profile's duration and the role's maximum session duration may limit it further",
    });
  }
  return value;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function checkSessionName(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!SESSION_NAME.test(value)) {
    throw new ConfigError(
      `expected 2-64 characters among letters, digits and + = , . @ _ -, got '${showValue(value)}'`,
      { setting: "roleSessionName", hint: "choose a name that IAM accepts as a role session name, or omit it" },
    );
  }
  return value;
}

function checkPositive(setting: "timeoutMs" | "maxAttempts", value: number | undefined, dflt: number, max: number, integer: boolean): number {
  if (value === undefined) return dflt;
  if (!Number.isFinite(value) || value <= 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(`expected ${integer ? "a whole number" : "a number"} from 1 to ${max}, got ${showValue(String(value))}`, { setting });
  }
  return value;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !(o instanceof Secret) && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Resolves the CreateSession configuration: validates the ARNs (trust anchor
 * and profile in one partition, region and account), picks the region
 * (`region`, else the trust anchor's) and the endpoint
 * (`endpoint` > `AWS_ENDPOINT_URL_ROLESANYWHERE` > `AWS_ENDPOINT_URL` > the
 * partition default with `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`),
 * reads `AWS_CA_BUNDLE`, and the proxies (`https_proxy`/`HTTPS_PROXY`,
 * `http_proxy`/`HTTP_PROXY`, `no_proxy`/`NO_PROXY`). Endpoint variables are
 * ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
 * This is the only session module that reads the environment.
 * @throws ConfigError (code CONFIG or INVALID_ARN) with a hint.
 * @public
 */
export function resolveSessionConfig(init: SessionInit, env: NodeJS.ProcessEnv): ResolvedSessionConfig {
  const arns = parseSessionArns(init);
  const region = resolveRegion(init.region, arns.trustAnchor.region);
  const fips = envBool(env, "AWS_USE_FIPS_ENDPOINT") || region.fips;
  const dualStack = envBool(env, "AWS_USE_DUALSTACK_ENDPOINT");
  const ignoreEnvEndpoints = envBool(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  const endpoint = resolveEndpoint({
    region: region.region,
    endpoint: init.endpoint,
    serviceEndpointEnv: ignoreEnvEndpoints ? undefined : env.AWS_ENDPOINT_URL_ROLESANYWHERE,
    globalEndpointEnv: ignoreEnvEndpoints ? undefined : env.AWS_ENDPOINT_URL,
    fips,
    dualStack,
  });
  const warnings = [...endpoint.warnings];
  if (init.noVerifySsl) warnings.push("TLS certificate verification of the endpoint is disabled; use it for testing only");

  const caBundlePath = envValue(env, "AWS_CA_BUNDLE")?.value;
  const tls: { rejectUnauthorized: boolean; ca?: string; caBundlePath?: string } = { rejectUnauthorized: !init.noVerifySsl };
  if (caBundlePath) {
    tls.ca = readCaBundle(caBundlePath);
    tls.caBundlePath = caBundlePath;
  }

  const roleSessionName = checkSessionName(init.roleSessionName);
  const url: EndpointUrl = { protocol: endpoint.protocol, host: endpoint.host, origin: endpoint.origin, path: endpoint.path, href: endpoint.href };
  const config: ResolvedSessionConfig = {
    trustAnchorArn: init.trustAnchorArn,
    profileArn: init.profileArn,
    roleArn: init.roleArn,
    arns,
    accountId: arns.accountId,
    region: region.region,
    regionSource: region.source,
    endpoint: endpoint.href,
    endpointSource: endpoint.source,
    url,
    fips,
    dualStack,
    durationSeconds: checkDuration(init.durationSeconds),
    ...(roleSessionName !== undefined ? { roleSessionName } : {}),
    tls,
    proxy: {
      httpProxy: proxyUrl(envValue(env, "http_proxy", "HTTP_PROXY")),
      httpsProxy: proxyUrl(envValue(env, "https_proxy", "HTTPS_PROXY")),
      noProxy: envValue(env, "no_proxy", "NO_PROXY")?.value ?? "",
    },
    timeoutMs: checkPositive("timeoutMs", init.timeoutMs, DEFAULT_TIMEOUT_MS, 600_000, false),
    maxAttempts: checkPositive("maxAttempts", init.maxAttempts, DEFAULT_MAX_ATTEMPTS, 10, true),
    warnings,
  };
  return deepFreeze(config);
}

/** Network settings of a client that has no Roles Anywhere ARNs (e.g. STS after any base provider). @public */
export interface ResolvedNetworkSettings {
  readonly tls: ResolvedSessionConfig["tls"];
  readonly proxy: ResolvedSessionConfig["proxy"];
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly fips: boolean;
  readonly dualStack: boolean;
  readonly warnings: readonly string[];
}

/**
 * The environment-dependent settings of {@link resolveSessionConfig} without
 * the ARNs: `AWS_CA_BUNDLE`, the proxy variables, `AWS_USE_FIPS_ENDPOINT`,
 * `AWS_USE_DUALSTACK_ENDPOINT`, and the limits.
 * @throws ConfigError
 * @public
 */
export function resolveNetworkSettings(
  env: NodeJS.ProcessEnv,
  init: { noVerifySsl?: boolean; timeoutMs?: number; maxAttempts?: number; fips?: boolean } = {},
): ResolvedNetworkSettings {
  const caBundlePath = envValue(env, "AWS_CA_BUNDLE")?.value;
  const tls: { rejectUnauthorized: boolean; ca?: string; caBundlePath?: string } = { rejectUnauthorized: !init.noVerifySsl };
  if (caBundlePath) {
    tls.ca = readCaBundle(caBundlePath);
    tls.caBundlePath = caBundlePath;
  }
  return deepFreeze({
    tls,
    proxy: {
      httpProxy: proxyUrl(envValue(env, "http_proxy", "HTTP_PROXY")),
      httpsProxy: proxyUrl(envValue(env, "https_proxy", "HTTPS_PROXY")),
      noProxy: envValue(env, "no_proxy", "NO_PROXY")?.value ?? "",
    },
    timeoutMs: checkPositive("timeoutMs", init.timeoutMs, DEFAULT_TIMEOUT_MS, 600_000, false),
    maxAttempts: checkPositive("maxAttempts", init.maxAttempts, DEFAULT_MAX_ATTEMPTS, 10, true),
    fips: envBool(env, "AWS_USE_FIPS_ENDPOINT") || init.fips === true,
    dualStack: envBool(env, "AWS_USE_DUALSTACK_ENDPOINT"),
    warnings: init.noVerifySsl ? ["TLS certificate verification of the STS endpoint is disabled (noVerifySsl); use it for testing only"] : [],
  });
}
