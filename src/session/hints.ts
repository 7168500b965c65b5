/**
 * What to tell the user after a failed CreateSession. Pure: a table of rules,
 * first match wins. Service messages are matched case-insensitively because
 * their exact wording is only partly documented (protocol.md §2.3).
 */

/** What is known about a failure. @public */
export interface HintInput {
  /** HTTP status (0 or absent when no response came). */
  status?: number;
  /** AWS error code, e.g. `AccessDeniedException`. */
  awsCode?: string;
  /** The service's message. */
  message?: string;
  /** A local failure: a system or undici error code (`ECONNREFUSED`, `SELF_SIGNED_CERT_IN_CHAIN`, …) or `TIMEOUT`. */
  networkCode?: string;
}

/** One row of the hint table. @internal */
export interface HintRule {
  /** A short name for tests and documentation. */
  name: string;
  matches(input: HintInput): boolean;
  hint: string;
}

const msg = (re: RegExp) => (i: HintInput) => i.message !== undefined && re.test(i.message);
const net = (...codes: string[]) => (i: HintInput) => i.networkCode !== undefined && codes.includes(i.networkCode);

/**
 * An answer that is not readable HTTP/1.1: the codes of the HTTP parser of
 * node:http and of undici (both llhttp, HPE_*). Retrying does not help.
 * @internal
 */
export const isUnreadableAnswerCode = (code: string): boolean => code.startsWith("HPE_");

const TLS_CODES = [
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
];

/** AWS error codes that mean "throttled". @internal */
export const THROTTLE_CODES: ReadonlySet<string> = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottled",
]);

/**
 * The hint table, most specific first. Exported so tests can check one row per case.
 * @internal
 */
export const HINT_RULES: readonly HintRule[] = [
  // Service refusals with known messages.
  {
    name: "untrusted certificate",
    matches: msg(/untrusted signing certificate/i),
    hint: "the trust anchor does not hold the CA that issued the certificate, or an intermediate CA is missing: pass it with --intermediates or use a fullchain --certificate",
  },
  {
    name: "invalid signature",
    matches: msg(/invalid signature/i),
    hint: "check the system clock (NTP): a clock off by minutes makes the signature invalid; also check that --private-key is the key of --certificate",
  },
  {
    name: "role session name refused",
    matches: msg(/not authorized to set rolesessionname/i),
    hint: "enable acceptRoleSessionName on the profile, or drop --role-session-name",
  },
  {
    name: "role not in profile",
    matches: msg(/role.*(isn't|is not|not) (one of those )?listed|role.*not (in|part of) the profile/i),
    hint: "add the role to the profile's roles, or pass a --role-arn that the profile lists",
  },
  {
    name: "unknown profile",
    matches: msg(/invalid or empty profile|profile.*(wasn't|was not|not) found|profile.*does not exist/i),
    hint: "check --profile-arn and the region: the profile must exist in the region and account of the endpoint",
  },
  {
    name: "unknown trust anchor",
    matches: msg(/trust anchor.*(wasn't|was not|not) found|trust anchor.*does not exist/i),
    hint: "check --trust-anchor-arn and the region: the trust anchor must exist in the region and account of the endpoint",
  },
  {
    name: "disabled",
    matches: msg(/disabled|not enabled/i),
    hint: "enable the trust anchor and the profile ('aws rolesanywhere enable-trust-anchor' / 'enable-profile')",
  },
  {
    name: "revoked certificate",
    matches: msg(/revoked/i),
    hint: "the certificate is revoked by a CRL imported into the trust anchor: use a newly issued certificate",
  },
  {
    name: "expired certificate",
    matches: msg(/expired|not yet valid|notafter|notbefore|validity/i),
    hint: "the certificate is expired or not yet valid: renew it, and check the system clock",
  },
  {
    name: "CA certificate as signing certificate",
    matches: msg(/must not be a CA certificate|basicConstraints CA:TRUE/i),
    hint: "sign with an end-entity certificate (basicConstraints CA:FALSE) issued by your CA, not with a CA certificate; 'signing-helper doctor' checks the certificate",
  },
  {
    name: "certificate rules",
    matches: msg(/signing certificate .*(must|not supported)/i),
    hint: "the certificate breaks a rule of IAM Roles Anywhere (X.509 v3, keyUsage digitalSignature, SHA-256 or stronger, RSA 2048+ or EC P-256/P-384/P-521, a subject): reissue it; 'signing-helper doctor' shows which rule",
  },
  {
    name: "signing region",
    matches: msg(/credential scope|scoped to a valid region/i),
    hint: "the signing region must be the endpoint's region: leave out --region (the trust anchor ARN's region is used), or make --region, --endpoint and the ARNs name one region",
  },
  {
    name: "duration out of range",
    matches: msg(/duration/i),
    hint: "lower --session-duration (900-43200) to at most the profile's duration and the role's maximum session duration",
  },
  // Service refusals by code or status.
  {
    name: "throttled",
    matches: (i) => i.status === 429 || (i.awsCode !== undefined && THROTTLE_CODES.has(i.awsCode)),
    hint: "CreateSession is being throttled: retry later, and reuse credentials (--cache, serve) instead of calling it for every command",
  },
  {
    name: "service failure",
    matches: (i) => i.status !== undefined && i.status >= 500,
    hint: "the Roles Anywhere service failed: retry later, and check the AWS Health Dashboard for the region",
  },
  {
    name: "resource not found",
    matches: (i) => i.awsCode === "ResourceNotFoundException" || i.status === 404,
    hint: "check --trust-anchor-arn, --profile-arn and the region: they must name resources of the endpoint's region and account",
  },
  {
    name: "validation",
    matches: (i) => i.awsCode === "ValidationException",
    hint: "check the ARNs, --session-duration and --role-session-name",
  },
  {
    name: "access denied",
    matches: (i) => i.awsCode === "AccessDeniedException" || i.status === 403,
    hint: "check that the certificate chains to the trust anchor, that the profile lists the role and that the role trusts rolesanywhere.amazonaws.com",
  },
  // Local failures.
  {
    name: "connection refused",
    matches: net("ECONNREFUSED"),
    hint: "nothing accepts connections at the endpoint: check --endpoint, AWS_ENDPOINT_URL_ROLESANYWHERE and --region, and the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
  },
  {
    name: "host not found",
    matches: net("ENOTFOUND", "EAI_AGAIN"),
    hint: "the endpoint's host name does not resolve: check --region and --endpoint, DNS, and the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
  },
  {
    name: "not TLS",
    matches: net("ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG", "ERR_SSL_HTTP_REQUEST"),
    hint: "the endpoint does not speak TLS on that port: use http:// for a plain-HTTP endpoint (such as the local emulator), or check the port",
  },
  {
    name: "tls verification",
    matches: (i) => i.networkCode !== undefined && (TLS_CODES.includes(i.networkCode) || /^ERR_(SSL|TLS)_/.test(i.networkCode)),
    hint: "the endpoint's TLS certificate is not trusted: set AWS_CA_BUNDLE to a PEM file of the CA that issued it (or use --no-verify-ssl, for testing only)",
  },
  {
    name: "timeout",
    matches: net("TIMEOUT", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"),
    hint: "the endpoint did not answer in time: check the network, the endpoint and the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
  },
  {
    name: "proxy refused",
    matches: net("PROXY"),
    hint: "the proxy refused the request: check HTTPS_PROXY / HTTP_PROXY (and any credentials in them), or add the endpoint's host to NO_PROXY",
  },
  {
    name: "not HTTP",
    matches: (i) => i.networkCode !== undefined && isUnreadableAnswerCode(i.networkCode),
    hint: "the endpoint does not answer like IAM Roles Anywhere: check --endpoint and AWS_ENDPOINT_URL_ROLESANYWHERE",
  },
  {
    name: "connection dropped",
    matches: net("ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ENETUNREACH", "EHOSTUNREACH", "ECONNABORTED"),
    hint: "the connection to the endpoint failed: check the network, firewalls and the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
  },
];

/**
 * The hint for a failure, or undefined when no rule fits.
 * @public
 */
export function hintFor(input: HintInput): string | undefined {
  return HINT_RULES.find((r) => r.matches(input))?.hint;
}
