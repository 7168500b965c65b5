import { ConfigError } from "../errors.js";
import { x509 } from "./x509-runtime.js";

type JsonName = ReturnType<x509.Name["toJSON"]>;

/**
 * Parses a distinguished name written the RFC 4514 way, most specific RDN
 * first ("CN=TEST CLIENT,O=Example,C=US"), into a Name in certificate (DER)
 * order, where the last RDN of the string comes first. "" is the empty name.
 * Values that fit PrintableString are encoded so, others as UTF8String.
 * @throws ConfigError when the text is not a DN or names an unknown attribute type.
 * @internal
 */
export function parseDn(text: string): x509.Name {
  let parsed: JsonName;
  try {
    parsed = new x509.Name(text).toJSON();
  } catch (err) {
    throw dnError(text, err);
  }
  if (parsed.length === 0 && text.trim() !== "") throw dnError(text);
  return new x509.Name([...parsed].reverse());
}

/**
 * Prints a Name the RFC 4514 way: most specific RDN first, joined by "," with
 * no spaces (as Go's pkix.Name.String() and `openssl -nameopt RFC2253` do).
 * @internal
 */
export function formatDn(name: x509.Name): string {
  return name
    .toJSON()
    .map((rdn) => new x509.Name([rdn]).toString())
    .reverse()
    .join(",");
}

function dnError(text: string, cause?: unknown): ConfigError {
  return new ConfigError(`certificate subject cannot be parsed: '${text}'`, {
    ...(cause !== undefined ? { cause } : {}),
    hint: "write the subject as comma-separated TYPE=value pairs, most specific first, e.g. 'CN=TEST CLIENT,O=Example,C=US'",
  });
}
