import { K8S_TOKEN_PREFIX, type IdentityTokenFormat } from "../identity-token-wire.js";
import { refuse } from "./errors.js";

/** Longest token accepted, in bytes of UTF-8. @internal */
export const MAX_TOKEN_BYTES = 8192;

/**
 * The HTTP request a token describes, still unchecked: what the receiving
 * service would forward to STS.
 * @internal
 */
export interface StsCall {
  format: IdentityTokenFormat;
  method: string;
  url: string;
  /** Header names as the token spells them; one value each. */
  headers: Array<[string, string]>;
  body: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Strict base64 (canonical padding, nothing else) to UTF-8 text. */
function fromBase64(value: unknown, what: string): string {
  if (typeof value !== "string" || !BASE64.test(value)) refuse("TOKEN_MALFORMED", `${what} is not base64`);
  return Buffer.from(value, "base64").toString("utf8");
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    refuse("TOKEN_MALFORMED", `${what} is not JSON`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) refuse("TOKEN_MALFORMED", `${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** `{name: [value]}` (Vault's and Akeyless's header maps): one string value per name. */
function headerList(text: string, what: string): Array<[string, string]> {
  const obj = parseJsonObject(text, what);
  const out: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(obj)) {
    const list = typeof values === "string" ? [values] : values;
    if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== "string")) {
      refuse("TOKEN_MALFORMED", `${what}: header '${name}' must be a list of strings`);
    }
    if (list.length > 1) refuse("HEADER_DUPLICATED", `header '${name}' has ${list.length} values`);
    out.push([name, list[0] as string]);
  }
  return out;
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (extra.length > 0) refuse("TOKEN_MALFORMED", `${what} has unexpected field '${extra[0]}'`);
}

function stringField(obj: Record<string, unknown>, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== "string") refuse("TOKEN_MALFORMED", `${what} has no ${key}`);
  return v;
}

const VAULT_KEYS = ["iam_http_request_method", "iam_request_url", "iam_request_body", "iam_request_headers", "role"] as const;
const AKEYLESS_KEYS = ["sts_request_method", "sts_request_url", "sts_request_body", "sts_request_headers"] as const;

/**
 * Reads a token in any of the four formats into the request it describes:
 * `k8s-aws-v1.` + base64url URL (k8s); an `http(s)://` URL (url); a JSON
 * object with `iam_*` fields (vault; a `role` field is allowed and ignored);
 * base64 of a JSON object with `sts_request_*` fields (akeyless). Pure.
 * @throws IdentityTokenError TOKEN_TOO_LARGE or TOKEN_MALFORMED (or HEADER_DUPLICATED).
 * @internal
 */
export function decodeToken(token: string): StsCall {
  if (typeof token !== "string" || token.length === 0) refuse("TOKEN_MALFORMED", "the token is empty");
  if (Buffer.byteLength(token, "utf8") > MAX_TOKEN_BYTES) {
    refuse("TOKEN_TOO_LARGE", `the token is larger than ${MAX_TOKEN_BYTES} bytes`);
  }
  if (token.startsWith(K8S_TOKEN_PREFIX)) {
    const rest = token.slice(K8S_TOKEN_PREFIX.length);
    if (!BASE64URL.test(rest)) refuse("TOKEN_MALFORMED", "the k8s token is not base64url after k8s-aws-v1.");
    return { format: "k8s", method: "GET", url: Buffer.from(rest, "base64url").toString("utf8"), headers: [], body: "" };
  }
  if (/^https?:\/\//i.test(token)) return { format: "url", method: "GET", url: token, headers: [], body: "" };
  if (token.startsWith("{")) {
    const obj = parseJsonObject(token, "the vault login payload");
    onlyKeys(obj, VAULT_KEYS, "the vault login payload");
    if (obj["role"] !== undefined && obj["role"] !== null && typeof obj["role"] !== "string") {
      refuse("TOKEN_MALFORMED", "the vault login payload has a role that is not a string");
    }
    return {
      format: "vault",
      method: stringField(obj, "iam_http_request_method", "the vault login payload"),
      url: fromBase64(obj["iam_request_url"], "iam_request_url"),
      body: fromBase64(obj["iam_request_body"], "iam_request_body"),
      headers: headerList(fromBase64(obj["iam_request_headers"], "iam_request_headers"), "iam_request_headers"),
    };
  }
  if (BASE64.test(token)) {
    const obj = parseJsonObject(Buffer.from(token, "base64").toString("utf8"), "the akeyless cloud id");
    onlyKeys(obj, AKEYLESS_KEYS, "the akeyless cloud id");
    return {
      format: "akeyless",
      method: stringField(obj, "sts_request_method", "the akeyless cloud id"),
      url: fromBase64(obj["sts_request_url"], "sts_request_url"),
      body: fromBase64(obj["sts_request_body"], "sts_request_body"),
      headers: headerList(fromBase64(obj["sts_request_headers"], "sts_request_headers"), "sts_request_headers"),
    };
  }
  refuse("TOKEN_MALFORMED", "the token is none of the known formats (vault, k8s, akeyless, url)");
}
