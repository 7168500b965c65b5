/**
 * PKCS#11 URIs (RFC 7512): parsing and formatting, pure. A URI is a search
 * term more than a name: its path attributes constrain the token and the
 * object, its query carries the PIN (`pin-value`, `pin-source`) and the module
 * (`module-path`). Parsed values are raw bytes (`id` is binary; the others are
 * UTF-8 text once decoded).
 * @internal
 */
import { UsageError } from "../../errors.js";

/** Path attributes RFC 7512 defines (section 2.3). */
export const PATH_ATTRIBUTES = [
  "token",
  "manufacturer",
  "serial",
  "model",
  "library-manufacturer",
  "library-description",
  "library-version",
  "object",
  "type",
  "id",
  "slot-manufacturer",
  "slot-description",
  "slot-id",
] as const;
export type PathAttribute = (typeof PATH_ATTRIBUTES)[number];

/** Query attributes RFC 7512 defines, plus `pin-source=env:NAME` (our addition to its meaning). */
export const QUERY_ATTRIBUTES = ["pin-source", "pin-value", "module-name", "module-path"] as const;
export type QueryAttribute = (typeof QUERY_ATTRIBUTES)[number];

/** The object types of the `type` attribute. */
export const OBJECT_TYPES = ["cert", "private", "public", "secret-key", "data"] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

/** A parsed PKCS#11 URI. Path attributes in the order given; vendor (`x-`) attributes are kept but not used. */
export interface Pkcs11Uri {
  path: Map<string, Buffer>;
  query: Map<string, Buffer>;
}

const PATH_SET: ReadonlySet<string> = new Set(PATH_ATTRIBUTES);
const QUERY_SET: ReadonlySet<string> = new Set(QUERY_ATTRIBUTES);

function bad(uri: string, why: string): UsageError {
  return new UsageError(`PKCS#11 URI ${redactUri(uri)}: ${why}`, {
    hint: "write it as in RFC 7512, e.g. pkcs11:token=my-token;object=my-key;type=private (percent-encode ';', '?', '&', '%' and spaces)",
  });
}

/** Decodes %XX escapes into bytes; any other byte is taken as is (UTF-8). */
function percentDecode(value: string, uri: string, name: string): Buffer {
  const out: number[] = [];
  const bytes = Buffer.from(value, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x25) {
      out.push(b);
      continue;
    }
    const hex = bytes.subarray(i + 1, i + 3).toString("latin1");
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw bad(uri, `${name}: '%' must be followed by two hex digits`);
    out.push(parseInt(hex, 16));
    i += 2;
  }
  return Buffer.from(out);
}

/**
 * Parses `pkcs11:path?query`. Throws UsageError for anything RFC 7512 does not
 * allow: another scheme, an attribute given twice, an unknown attribute (other
 * than vendor `x-` ones), a bad escape, an empty attribute name, a bad
 * `slot-id`, `type` or `library-version`. The message never shows a PIN.
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!/^pkcs11:/i.test(uri)) throw bad(uri, "does not start with 'pkcs11:'");
  const rest = uri.slice("pkcs11:".length);
  if (rest.includes("#")) throw bad(uri, "a PKCS#11 URI has no fragment ('#' must be written %23)");
  const q = rest.indexOf("?");
  const pathPart = q === -1 ? rest : rest.slice(0, q);
  const queryPart = q === -1 ? undefined : rest.slice(q + 1);
  const path = new Map<string, Buffer>();
  const query = new Map<string, Buffer>();
  if (pathPart !== "") {
    for (const piece of pathPart.split(";")) {
      const [name, value] = splitAttribute(piece, uri, "path");
      if (!PATH_SET.has(name) && !name.startsWith("x-")) throw bad(uri, `unknown path attribute '${name}'`);
      if (path.has(name)) throw bad(uri, `path attribute '${name}' is given twice`);
      path.set(name, percentDecode(value, uri, name));
    }
  }
  if (queryPart !== undefined && queryPart !== "") {
    for (const piece of queryPart.split("&")) {
      const [name, value] = splitAttribute(piece, uri, "query");
      if (!QUERY_SET.has(name) && !name.startsWith("x-")) throw bad(uri, `unknown query attribute '${name}'`);
      if (query.has(name)) throw bad(uri, `query attribute '${name}' is given twice`);
      query.set(name, percentDecode(value, uri, name));
    }
  }
  const type = path.get("type")?.toString("utf8");
  if (type !== undefined && !(OBJECT_TYPES as readonly string[]).includes(type)) {
    throw bad(uri, `type must be one of ${OBJECT_TYPES.join(", ")}, not '${type}'`);
  }
  const slotId = path.get("slot-id")?.toString("utf8");
  if (slotId !== undefined && !/^[0-9]+$/.test(slotId)) throw bad(uri, `slot-id must be a decimal number, not '${slotId}'`);
  const version = path.get("library-version")?.toString("utf8");
  if (version !== undefined && !/^[0-9]+(\.[0-9]+)?$/.test(version)) throw bad(uri, `library-version must be M or M.N, not '${version}'`);
  if (query.has("pin-value") && query.has("pin-source")) throw bad(uri, "give pin-value or pin-source, not both");
  return { path, query };
}

function splitAttribute(piece: string, uri: string, part: string): [string, string] {
  const eq = piece.indexOf("=");
  if (eq === -1) throw bad(uri, `${part} attribute '${piece}' has no '='`);
  const name = piece.slice(0, eq).toLowerCase();
  if (name === "") throw bad(uri, `a ${part} attribute has an empty name`);
  return [name, piece.slice(eq + 1)];
}

/** A text attribute of the path (decoded as UTF-8), or undefined. */
export function pathText(uri: Pkcs11Uri, name: PathAttribute): string | undefined {
  return uri.path.get(name)?.toString("utf8");
}

/** A text attribute of the query (decoded as UTF-8), or undefined. */
export function queryText(uri: Pkcs11Uri, name: QueryAttribute): string | undefined {
  return uri.query.get(name)?.toString("utf8");
}

// RFC 7512 pchar minus the separators: unreserved, and these sub-delims and ':' '@'. Others are escaped.
const PLAIN = /^[A-Za-z0-9\-._~:@!$'()*+,=]$/;

/** Percent-encodes bytes as RFC 7512 wants; `all` escapes every byte (as done for `id`). */
export function percentEncode(value: Uint8Array, all = false): string {
  let out = "";
  for (const b of value) {
    const ch = String.fromCharCode(b);
    if (!all && b < 0x80 && PLAIN.test(ch) && ch !== "=") out += ch;
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * Formats a URI from path attributes (query attributes too, but callers never
 * pass a PIN: URIs are shown to users). `id` is fully escaped, like the
 * official helper does; other values keep their readable characters.
 */
export function formatPkcs11Uri(path: [string, Uint8Array | string][], query: [string, Uint8Array | string][] = []): string {
  const enc = ([name, value]: [string, Uint8Array | string]) =>
    `${name}=${percentEncode(typeof value === "string" ? Buffer.from(value, "utf8") : value, name === "id")}`;
  const p = path.map(enc).join(";");
  const q = query.map(enc).join("&");
  return `pkcs11:${p}${q ? `?${q}` : ""}`;
}

/** The URI without its PIN (pin-value is replaced by a mark), for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/([?&]pin-value=)[^&]*/gi, "$1***");
}

/** Whether a CLI or library value is a PKCS#11 URI. */
export function isPkcs11UriText(value: string): boolean {
  return /^pkcs11:/i.test(value);
}
