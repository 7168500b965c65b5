import { ConfigError } from "../../errors.js";
import type { Clock } from "../../clock.js";
import type { Secret } from "../../secret.js";
import { resolveStsTarget } from "./sts-endpoint.js";
import { akeylessToken, k8sToken, urlToken, vaultToken, type TokenInput } from "./formats.js";
import { DEFAULT_AUDIENCE_HEADER, IDENTITY_TOKEN_FORMATS, type IdentityTokenFormat } from "../../identity-token-wire.js";
import type { AwsKeys } from "./hmac-sigv4.js";

/**
 * Credentials an identity token can be made from: this package's
 * `Credentials` (secrets wrapped), plain AWS SDK credentials, or a provider
 * function returning either (such as `fromRolesAnywhere()`).
 * @public
 */
export type IdentityTokenCredentials =
  | { accessKeyId: string; secretAccessKey: string | Secret<string>; sessionToken?: string | Secret<string> | undefined }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string | Secret<string>; sessionToken?: string | Secret<string> | undefined }>);

/** Options of {@link createIdentityToken}. @public */
export interface CreateIdentityTokenOptions {
  /**
   * The service the token is for, signed into the request (vault:
   * X-Vault-AWS-IAM-Server-ID, k8s: x-k8s-aws-id, url: `audienceHeader`).
   * Required, except for `akeyless` (whose libraries send none).
   */
  audience?: string;
  /** Token layout; default `url`. */
  format?: IdentityTokenFormat;
  /** Signing region; with no `stsEndpoint` it picks the regional endpoint. Default: the global endpoint, us-east-1. */
  region?: string;
  /** STS endpoint URL the token names (e.g. a regional one, or an emulator). */
  stsEndpoint?: string;
  /**
   * The environment's endpoint settings, used when `stsEndpoint` is not set
   * (the CLI passes AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL here; nothing
   * reads process.env).
   */
  endpointEnv?: { AWS_ENDPOINT_URL_STS?: string | undefined; AWS_ENDPOINT_URL?: string | undefined; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?: string | undefined };
  /** Header that carries the audience in `url` and `akeyless` tokens; default `X-Identity-Audience`. */
  audienceHeader?: string;
  /** Where the signing time comes from; default the system clock. */
  clock?: Clock;
}

/** Header names a token may not use for the audience: the SigV4 and HTTP framing ones. */
const RESERVED_HEADER = /^(host|authorization|content-.*|x-amz-.*|connection|transfer-encoding|user-agent|expect|te|upgrade)$/i;

const reveal = (v: string | Secret<string> | undefined): string | undefined => (v === undefined || typeof v === "string" ? v : v.reveal());

async function keysOf(creds: IdentityTokenCredentials): Promise<AwsKeys> {
  const c = typeof creds === "function" ? await creds() : creds;
  const secretAccessKey = reveal(c.secretAccessKey);
  if (!c.accessKeyId || !secretAccessKey) throw new ConfigError("identity token: the credentials have no access key id or secret access key");
  const sessionToken = reveal(c.sessionToken);
  return sessionToken ? { accessKeyId: c.accessKeyId, secretAccessKey, sessionToken } : { accessKeyId: c.accessKeyId, secretAccessKey };
}

/** Checks an audience value: 1-256 visible ASCII characters or spaces, not starting or ending with a space. @internal */
export function checkAudience(audience: string): void {
  if (!/^[\x21-\x7e]([\x20-\x7e]{0,254}[\x21-\x7e])?$/.test(audience)) {
    throw new ConfigError("identity token: the audience must be 1-256 visible ASCII characters (spaces only inside)", {
      hint: "use a short name of the receiving service, such as vault.example.com",
    });
  }
}

/** Checks an audience header name: an HTTP token, not a SigV4 or framing header. @internal */
export function checkAudienceHeader(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(name) || RESERVED_HEADER.test(name)) {
    throw new ConfigError(`identity token: '${name}' cannot carry the audience`, {
      hint: "use a header name of letters, digits and '-', not Host, Authorization, Content-* or X-Amz-*",
    });
  }
}

/**
 * Makes an identity token: a signed sts:GetCallerIdentity request, in the
 * layout a receiving service expects, that proves to it who holds the
 * credentials without giving it the keys (it forwards the request to STS,
 * which names the caller). The token is bound to `audience` by a signed
 * header, so a token made for one service is refused by another.
 * @throws ConfigError for a bad option value or credentials without keys.
 * @public
 */
export async function createIdentityToken(credentials: IdentityTokenCredentials, options: CreateIdentityTokenOptions): Promise<string> {
  const format = options.format ?? "url";
  if (!IDENTITY_TOKEN_FORMATS.includes(format)) {
    throw new ConfigError(`identity token: unknown format '${String(format)}'`, { hint: `use one of ${IDENTITY_TOKEN_FORMATS.join(", ")}` });
  }
  if (options.audience === undefined) {
    if (format !== "akeyless") throw new ConfigError(`identity token: the ${format} format needs an audience`);
  } else {
    checkAudience(options.audience);
  }
  const audienceHeader = options.audienceHeader ?? DEFAULT_AUDIENCE_HEADER;
  checkAudienceHeader(audienceHeader);
  const env = options.endpointEnv?.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === "true" ? undefined : options.endpointEnv;
  const target = resolveStsTarget({
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.stsEndpoint !== undefined ? { endpoint: options.stsEndpoint } : {}),
    serviceEndpointEnv: env?.AWS_ENDPOINT_URL_STS,
    globalEndpointEnv: env?.AWS_ENDPOINT_URL,
  });
  const input: TokenInput = {
    keys: await keysOf(credentials),
    target,
    date: new Date(options.clock ? options.clock.now() : Date.now()),
    audience: options.audience,
    audienceHeader,
  };
  switch (format) {
    case "vault":
      return vaultToken(input);
    case "k8s":
      return k8sToken(input);
    case "akeyless":
      return akeylessToken(input);
    case "url":
      return urlToken(input);
  }
}
