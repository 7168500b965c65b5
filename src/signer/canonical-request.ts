import { sha256Hex } from "./hash.js";

/** Query parameters: a record, or name/value pairs when a name repeats. @public */
export type QueryParams = Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

/** What a canonical request is built from. @public */
export interface CanonicalRequestInput {
  method: string;
  /** The canonical path, used verbatim (CreateSession: "/sessions"). */
  path: string;
  query: QueryParams;
  /** The signed headers only; names in any case. */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array;
}

/**
 * RFC 3986 percent-encoding as SigV4 wants it: the unreserved characters
 * `A-Z a-z 0-9 - . _ ~` stay, every other UTF-8 byte becomes `%XY` (uppercase hex),
 * so a space is `%20` and `=` is `%3D`.
 * @public
 */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical query string: names and values RFC 3986-encoded, pairs sorted by
 * encoded name then encoded value (code-point order), joined with `&`. Empty for
 * no parameters.
 * @public
 */
export function canonicalQueryString(query: QueryParams): string {
  const pairs: Array<[string, string]> = (Array.isArray(query) ? query : Object.entries(query)).map(
    ([k, v]: readonly [string, string]) => [encodeRfc3986(k), encodeRfc3986(v)],
  );
  pairs.sort((a, b) => byCodePoint(a[0], b[0]) || byCodePoint(a[1], b[1]));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * SigV4 "Trimall": line breaks become spaces, leading and trailing spaces and
 * tabs go, and each run of spaces/tabs inside becomes one space.
 * @public
 */
export function trimAll(value: string): string {
  return value
    .replace(/[\r\n]/g, " ")
    .replace(/^[ \t]+|[ \t]+$/g, "")
    .replace(/[ \t]+/g, " ");
}

/** Lowercased names → values, where names differing only in case join with ",". */
function normalizeHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const v = trimAll(String(value));
    const prev = out.get(lower);
    out.set(lower, prev === undefined ? v : `${prev},${v}`);
  }
  return out;
}

/**
 * The canonical headers block: one `name:value` line per header, names
 * lowercased and sorted, values trimmed with {@link trimAll}; every line ends
 * with `\n`.
 * @public
 */
export function canonicalHeaders(headers: Readonly<Record<string, string>>): string {
  const map = normalizeHeaders(headers);
  return [...map.keys()]
    .sort(byCodePoint)
    .map((name) => `${name}:${map.get(name)!}\n`)
    .join("");
}

/**
 * The SignedHeaders value: the lowercased header names, sorted, joined with `;`.
 * @public
 */
export function signedHeadersList(headers: Readonly<Record<string, string>>): string {
  return [...normalizeHeaders(headers).keys()].sort(byCodePoint).join(";");
}

/**
 * The SigV4 canonical request:
 * method, path, canonical query, canonical headers, blank line, signed headers,
 * lowercase hex SHA-256 of the body; separated by `\n`.
 * @public
 */
export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method,
    input.path,
    canonicalQueryString(input.query),
    canonicalHeaders(input.headers),
    signedHeadersList(input.headers),
    sha256Hex(input.body),
  ].join("\n");
}
