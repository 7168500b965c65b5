import { CreateSessionError } from "../errors.js";
import { Secret } from "../secret.js";
import type { Credentials } from "./types.js";
import { hintFor, THROTTLE_CODES } from "./hints.js";

/**
 * CreateSession wire ↔ domain mapping (restJson1). Pure: takes the status,
 * headers and body text; never puts a body into a message (it may hold secrets).
 */

/** Response headers as undici gives them (lowercase names). @internal */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A service error, decoded. @public */
export interface ServiceError {
  status: number;
  awsCode?: string;
  message?: string;
  requestId?: string;
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === "" ? undefined : s;
}

/**
 * Reduces an AWS error type to its code, as the AWS SDKs do: text before the
 * first `:` is kept, then text after the first `#`
 * (`aws.protocoltests#FooError:http://…` → `FooError`).
 * @public
 */
export function sanitizeErrorCode(raw: string): string {
  let code = raw;
  if (code.includes(":")) code = code.slice(0, code.indexOf(":"));
  if (code.includes("#")) code = code.slice(code.indexOf("#") + 1);
  return code.trim();
}

/** Makes service-provided text safe for a one-line message: control characters out, length capped. */
export function oneLine(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * Decodes an error response: code from the `x-amzn-ErrorType` header, else the
 * body's `code`, else `__type` (sanitized); message from `message`/`Message`;
 * request id from `x-amzn-RequestId`.
 * @public
 */
export function parseServiceError(status: number, headers: ResponseHeaders, bodyText: string): ServiceError {
  const body = parseJson(bodyText);
  const obj = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const rawCode = header(headers, "x-amzn-errortype") ?? str(obj.code) ?? str(obj.__type);
  const code = rawCode !== undefined ? oneLine(sanitizeErrorCode(rawCode), 100) : undefined;
  const message = str(obj.message) ?? str(obj.Message);
  const requestId = header(headers, "x-amzn-requestid") ?? header(headers, "x-amz-request-id");
  const out: ServiceError = { status };
  if (code) out.awsCode = code;
  if (message !== undefined) out.message = oneLine(message);
  if (requestId !== undefined) out.requestId = oneLine(requestId, 100);
  return out;
}


/** True when the error is throttling (retried, with a longer backoff). @public */
export function isThrottle(e: ServiceError): boolean {
  return e.status === 429 || (e.awsCode !== undefined && THROTTLE_CODES.has(e.awsCode));
}

/** True when another attempt may succeed: throttling and 5xx. @public */
export function isRetryableStatus(e: ServiceError): boolean {
  return isThrottle(e) || e.status >= 500;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * The error for a service refusal, one line:
 * `CreateSession failed: AccessDeniedException: Untrusted Signing Certificate (HTTP 403, request id …)`.
 * @public
 */
export function serviceErrorToException(e: ServiceError, attempts: number): CreateSessionError {
  const what = [e.awsCode, e.message].filter(Boolean).join(": ") || `HTTP ${e.status}${STATUS_TEXT[e.status] ? ` ${STATUS_TEXT[e.status]}` : ""}`;
  const details = [`HTTP ${e.status}`];
  if (e.requestId) details.push(`request id ${e.requestId}`);
  if (attempts > 1) details.push(`${attempts} attempts`);
  const hint = hintFor({ status: e.status, ...(e.awsCode ? { awsCode: e.awsCode } : {}), ...(e.message ? { message: e.message } : {}) });
  return new CreateSessionError(`CreateSession failed: ${what} (${details.join(", ")})`, {
    status: e.status,
    ...(e.awsCode ? { awsCode: e.awsCode } : {}),
    ...(e.requestId ? { requestId: e.requestId } : {}),
    retryable: isRetryableStatus(e),
    ...(hint ? { hint } : {}),
  });
}

function malformed(status: number, why: string, requestId: string | undefined): CreateSessionError {
  return new CreateSessionError(
    `CreateSession failed: malformed response: ${why} (HTTP ${status}${requestId ? `, request id ${requestId}` : ""})`,
    {
      status,
      ...(requestId ? { requestId } : {}),
      hint: "the endpoint does not answer like IAM Roles Anywhere: check --endpoint and AWS_ENDPOINT_URL_ROLESANYWHERE",
    },
  );
}

/**
 * Decodes a 2xx CreateSession body into Credentials: the first entry of
 * `credentialSet`; `expiration` parsed and kept verbatim; `accountId` from the
 * role ARN. Messages never contain body text.
 * @throws CreateSessionError: NO_CREDENTIALS for an empty credentialSet, CREATE_SESSION for a malformed body.
 * @public
 */
export function parseSuccess(
  status: number,
  headers: ResponseHeaders,
  bodyText: string,
  role: { roleArn: string; accountId: string },
): Credentials {
  const requestId = header(headers, "x-amzn-requestid");
  const body = parseJson(bodyText);
  if (!body || typeof body !== "object") throw malformed(status, "the body is not a JSON object", requestId);
  const set = (body as Record<string, unknown>).credentialSet;
  if (set !== undefined && !Array.isArray(set)) throw malformed(status, "credentialSet is not an array", requestId);
  if (!set || set.length === 0) {
    throw new CreateSessionError("unable to obtain temporary security credentials from CreateSession: the response's credentialSet is empty", {
      status,
      code: "NO_CREDENTIALS",
      ...(requestId ? { requestId } : {}),
      hint: "check the profile's and the role's settings; run again with --debug to see the request",
    });
  }
  const entry = set[0] as Record<string, unknown> | null;
  const c = entry && typeof entry === "object" ? (entry.credentials as Record<string, unknown> | undefined) : undefined;
  if (!c || typeof c !== "object") throw malformed(status, "credentialSet[0].credentials is missing", requestId);
  const missing = ["accessKeyId", "secretAccessKey", "sessionToken", "expiration"].filter((k) => str(c[k]) === undefined);
  if (missing.length) throw malformed(status, `credentials lack ${missing.join(", ")}`, requestId);
  const expirationRaw = c.expiration as string;
  const ms = Date.parse(expirationRaw);
  if (Number.isNaN(ms)) throw malformed(status, `expiration '${oneLine(expirationRaw, 60)}' is not a date`, requestId);
  const user = entry!.assumedRoleUser as Record<string, unknown> | undefined;
  const assumedRoleArn = user && typeof user === "object" ? str(user.arn) : undefined;
  return {
    accessKeyId: c.accessKeyId as string,
    secretAccessKey: new Secret(c.secretAccessKey as string),
    sessionToken: new Secret(c.sessionToken as string),
    expiration: new Date(ms),
    expirationRaw,
    accountId: role.accountId,
    roleArn: role.roleArn,
    ...(assumedRoleArn ? { assumedRoleArn } : {}),
  };
}
