import { presignGet, signPost, type AwsKeys } from "./hmac-sigv4.js";
import type { StsTarget } from "./sts-endpoint.js";
import {
  GET_CALLER_IDENTITY_BODY,
  K8S_AUDIENCE_HEADER,
  K8S_TOKEN_PREFIX,
  STS_API_VERSION,
  VAULT_AUDIENCE_HEADER,
} from "../../identity-token-wire.js";

/**
 * The four token layouts, pure: keys, target, audience and date in, token
 * text out. Each one is a signed sts:GetCallerIdentity request that the
 * receiving service forwards to STS; the receiver never sees the keys.
 */

/** The form content type the SDKs send. @internal */
export const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8";
/** X-Amz-Expires of presigned tokens, as aws-iam-authenticator sends it (STS lets them live 15 minutes whatever it says). @internal */
export const PRESIGNED_EXPIRES_SECONDS = 60;

/** What every format is made from. @internal */
export interface TokenInput {
  keys: AwsKeys;
  target: StsTarget;
  date: Date;
  /** Undefined only for `akeyless` without an audience. */
  audience: string | undefined;
  /** Audience header of `url` and `akeyless`. */
  audienceHeader: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

function presigned(input: TokenInput, header: string): string {
  return presignGet({
    keys: input.keys,
    endpoint: input.target.endpoint,
    region: input.target.region,
    date: input.date,
    params: { Action: "GetCallerIdentity", Version: STS_API_VERSION },
    extraHeaders: { [header]: input.audience ?? "" },
    expiresSeconds: PRESIGNED_EXPIRES_SECONDS,
  });
}

/**
 * `k8s`: `k8s-aws-v1.` + unpadded base64url of a presigned GET with
 * `x-k8s-aws-id` signed and X-Amz-Expires=60, the token aws-iam-authenticator
 * (and `aws eks get-token`) make.
 * @internal
 */
export function k8sToken(input: TokenInput): string {
  return K8S_TOKEN_PREFIX + Buffer.from(presigned(input, K8S_AUDIENCE_HEADER), "utf8").toString("base64url");
}

/** `url`: the presigned GET URL, the audience in the signed header `audienceHeader`. @internal */
export function urlToken(input: TokenInput): string {
  return presigned(input, input.audienceHeader);
}

function signedPost(input: TokenInput, extra: Array<[string, string]>) {
  return signPost({
    keys: input.keys,
    endpoint: input.target.endpoint,
    region: input.target.region,
    date: input.date,
    headers: [["Content-Length", String(GET_CALLER_IDENTITY_BODY.length)], ["Content-Type", FORM_CONTENT_TYPE], ...extra],
    body: GET_CALLER_IDENTITY_BODY,
  });
}

/**
 * `vault`: the login payload of Vault's AWS IAM auth method. Headers are
 * `{name: [value]}` in name order as Vault's own client sends them (no Host:
 * Vault takes it from the URL; it is signed all the same).
 * @internal
 */
export function vaultToken(input: TokenInput): string {
  const audience = input.audience ?? "";
  const s = signedPost(input, [[VAULT_AUDIENCE_HEADER, audience]]);
  const headers: Record<string, string[]> = {
    Authorization: [s.authorization],
    "Content-Length": [String(GET_CALLER_IDENTITY_BODY.length)],
    "Content-Type": [FORM_CONTENT_TYPE],
    "X-Amz-Date": [s.amzDate],
  };
  if (input.keys.sessionToken !== undefined) headers["X-Amz-Security-Token"] = [input.keys.sessionToken];
  headers[VAULT_AUDIENCE_HEADER] = [audience];
  return JSON.stringify({
    iam_http_request_method: "POST",
    iam_request_url: b64(input.target.endpoint.href),
    iam_request_body: b64(GET_CALLER_IDENTITY_BODY),
    iam_request_headers: b64(JSON.stringify(headers)),
  });
}

/**
 * `akeyless`: the "cloud id" of Akeyless's AWS IAM auth method, laid out as
 * Akeyless's published Node library makes it (repository
 * akeylesslabs/akeyless-js-cloud-id, cloudid.js, stsGetCallerIdentity; the Java
 * library akeylesslabs/akeyless-java-cloud-id has the same fields): base64 of
 * a JSON object with sts_request_method, sts_request_url, sts_request_body and
 * sts_request_headers in that order, the last three base64; the headers a JSON
 * object of one-value arrays in the order Authorization, Content-Length, Host,
 * Content-Type, X-Amz-Date, X-Amz-Security-Token; signed headers
 * content-length;content-type;host;x-amz-date;x-amz-security-token. The
 * library sends no audience: with one, the audience header is added last and
 * signed (Akeyless's acceptance of that extra header is not confirmed).
 * @internal
 */
export function akeylessToken(input: TokenInput): string {
  const extra: Array<[string, string]> = input.audience !== undefined ? [[input.audienceHeader, input.audience]] : [];
  const s = signedPost(input, extra);
  const headers: Record<string, string[]> = {
    Authorization: [s.authorization],
    "Content-Length": [String(GET_CALLER_IDENTITY_BODY.length)],
    Host: [input.target.endpoint.host],
    "Content-Type": [FORM_CONTENT_TYPE],
    "X-Amz-Date": [s.amzDate],
  };
  if (input.keys.sessionToken !== undefined) headers["X-Amz-Security-Token"] = [input.keys.sessionToken];
  for (const [k, v] of extra) headers[k] = [v];
  const data = JSON.stringify({
    sts_request_method: "POST",
    sts_request_url: b64(input.target.endpoint.href),
    sts_request_body: b64(GET_CALLER_IDENTITY_BODY),
    sts_request_headers: b64(JSON.stringify(headers)),
  });
  return b64(data);
}
