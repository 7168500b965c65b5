import { StsError } from "../../errors.js";
import { oneLine } from "../../session/response.js";
import { THROTTLE_CODES } from "../../session/hints.js";
import { parseXml, textAt, XmlSyntaxError, type XmlElement } from "./xml.js";

/**
 * STS wire ↔ domain mapping for the query protocol's XML answers, and the hint
 * table for STS refusals. Pure: takes status, headers and body text; never puts
 * body text other than STS's own error message into a message.
 */

/** An STS error answer, decoded. @public */
export interface StsServiceError {
  status: number;
  awsCode?: string;
  message?: string;
  requestId?: string;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === "" ? undefined : s;
}

function tryParse(text: string): XmlElement | undefined {
  try {
    return parseXml(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) return undefined;
    throw err;
  }
}

/**
 * Decodes an error answer: `ErrorResponse` › `Error` › `Code`, `Message`, and
 * `RequestId` (else the `x-amzn-RequestId` header).
 * @internal
 */
export function parseStsError(status: number, headers: Headers, bodyText: string): StsServiceError {
  const root = tryParse(bodyText);
  const err = root?.name === "ErrorResponse" ? root : undefined;
  const code = textAt(err, "Error", "Code");
  const message = textAt(err, "Error", "Message");
  const requestId = textAt(err, "RequestId") ?? header(headers, "x-amzn-requestid");
  const out: StsServiceError = { status };
  if (code !== undefined) out.awsCode = oneLine(code, 100);
  if (message !== undefined) out.message = oneLine(message);
  if (requestId !== undefined) out.requestId = oneLine(requestId, 100);
  return out;
}

/** Throttling or 5xx: another attempt may succeed. @internal */
export function isRetryableStsError(e: StsServiceError): boolean {
  return e.status === 429 || e.status >= 500 || (e.awsCode !== undefined && (THROTTLE_CODES.has(e.awsCode) || e.awsCode === "IDPCommunicationError"));
}

/** One row of the STS hint table. @internal */
export interface StsHintRule {
  name: string;
  matches(e: StsServiceError): boolean;
  hint: string;
}

const code = (c: string) => (e: StsServiceError) => e.awsCode === c;
const msg = (re: RegExp) => (e: StsServiceError) => e.message !== undefined && re.test(e.message);

/** What to tell the user after an STS refusal, most specific first. @internal */
export const STS_HINT_RULES: readonly StsHintRule[] = [
  {
    name: "tag session refused",
    matches: (e) => code("AccessDenied")(e) && msg(/sts:TagSession/)(e),
    hint: "session tags need sts:TagSession in the role's trust policy: allow it there, or drop --session-tag / --transitive-tag-key",
  },
  {
    name: "source identity refused",
    matches: (e) => code("AccessDenied")(e) && msg(/sts:SetSourceIdentity/)(e),
    hint: "a source identity needs sts:SetSourceIdentity in the role's trust policy: allow it there, or drop --source-identity",
  },
  {
    name: "trust policy",
    matches: (e) => code("AccessDenied")(e) && msg(/sts:AssumeRole\b/)(e),
    hint: "check the role's trust policy: it must trust the calling role (the previous hop) or its account, and if it requires an external id, pass exactly that value with --external-id",
  },
  {
    name: "region disabled",
    matches: code("RegionDisabledException"),
    hint: "STS is not activated in this region for the account: activate the region in the IAM account settings, or call another region's STS with --sts-endpoint",
  },
  {
    name: "expired token",
    matches: code("ExpiredToken"),
    hint: "the previous hop's credentials expired before the call: check the system clock (NTP); they are fetched again at the next refresh",
  },
  {
    name: "packed policy too large",
    matches: code("PackedPolicyTooLarge"),
    hint: "the session policy, policy ARNs and session tags together are too large once packed: shorten --session-policy, or pass fewer --session-policy-arn / --session-tag",
  },
  {
    name: "malformed policy",
    matches: code("MalformedPolicyDocument"),
    hint: "--session-policy must be a valid IAM policy document (Version, Statement with Effect, Action, Resource)",
  },
  {
    name: "chained duration",
    matches: (e) => code("ValidationError")(e) && msg(/role chaining/i)(e),
    hint: "a role assumed with role credentials (role chaining) lasts at most 3600 seconds: lower --assume-role-duration",
  },
  {
    name: "max session duration",
    matches: (e) => code("ValidationError")(e) && msg(/MaxSessionDuration/)(e),
    hint: "lower --assume-role-duration, or raise the role's maximum session duration",
  },
  {
    name: "invalid client token",
    matches: code("InvalidClientTokenId"),
    hint: "STS did not accept the previous hop's credentials: check that --sts-endpoint is in the same partition as the Roles Anywhere endpoint, and that the region is enabled; credentials from credential-process --cache that a service no longer knows (say an emulator restarted) go with 'signing-helper cache clear'",
  },
  {
    name: "signature",
    matches: code("SignatureDoesNotMatch"),
    hint: "check the system clock (NTP) and that the STS endpoint's region matches the signing region",
  },
  {
    name: "throttled",
    matches: (e) => e.status === 429 || (e.awsCode !== undefined && THROTTLE_CODES.has(e.awsCode)),
    hint: "STS throttled the call: it is retried at the next refresh; share one refresher (serve, or --cache) between processes",
  },
];

/** The hint for an STS refusal, if a rule matches. @internal */
export function stsHintFor(e: StsServiceError): string | undefined {
  return STS_HINT_RULES.find((r) => r.matches(e))?.hint;
}

/**
 * The error for an STS refusal, one line:
 * `AssumeRole arn:aws:iam::444455556666:role/B failed: AccessDenied: User: … (HTTP 403, request id …)`.
 * @internal
 */
export function stsErrorToException(what: string, e: StsServiceError, attempts: number): StsError {
  const head = [e.awsCode, e.message].filter(Boolean).join(": ") || `HTTP ${e.status}`;
  const details = [`HTTP ${e.status}`];
  if (e.requestId) details.push(`request id ${e.requestId}`);
  if (attempts > 1) details.push(`${attempts} attempts`);
  const hint = stsHintFor(e);
  return new StsError(`${what} failed: ${head} (${details.join(", ")})`, {
    status: e.status,
    ...(e.awsCode ? { awsCode: e.awsCode } : {}),
    ...(e.requestId ? { requestId: e.requestId } : {}),
    retryable: isRetryableStsError(e),
    ...(hint ? { hint } : {}),
  });
}

/** A 2xx answer that is not what STS sends. @internal */
export function malformedSts(what: string, status: number, why: string, requestId?: string): StsError {
  return new StsError(`${what} failed: malformed response: ${why} (HTTP ${status}${requestId ? `, request id ${requestId}` : ""})`, {
    status,
    ...(requestId ? { requestId } : {}),
    hint: "the endpoint does not answer like STS: check --sts-endpoint, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL",
  });
}

/**
 * The `<Action>Result` element of a 2xx answer.
 * @throws StsError when the body is not `<Action>Response` › `<Action>Result`.
 * @internal
 */
export function parseStsResult(what: string, action: string, status: number, headers: Headers, bodyText: string): XmlElement {
  const requestId = header(headers, "x-amzn-requestid");
  const root = tryParse(bodyText);
  if (!root) throw malformedSts(what, status, "the body is not XML", requestId);
  if (root.name !== `${action}Response`) throw malformedSts(what, status, `expected <${action}Response>, got <${oneLine(root.name, 60)}>`, requestId);
  const result = root.children.find((c) => c.name === `${action}Result`);
  if (!result) throw malformedSts(what, status, `<${action}Result> is missing`, requestId);
  return result;
}
