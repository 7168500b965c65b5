/**
 * The principal tags Roles Anywhere derives from the authenticating
 * certificate (its user guide, "Certificate attribute mapping"): every
 * supported RDN of the Subject (`x509Subject/CN`, …) and of the Issuer
 * (`x509Issuer/O`, …), and the first DNS name, URI and directory name of the
 * SAN (`x509SAN/DNS`, `x509SAN/URI`, `x509SAN/Name/CN`, …), filtered by the
 * profile's attribute mappings. Pure; cached per parsed certificate.
 */
import "reflect-metadata";
import { Name, SubjectAlternativeNameExtension, type X509Certificate } from "@peculiar/x509";
import type { AttributeMapping } from "./state.js";

/** RDN short names the tags use, by OID where @peculiar/x509 gives an OID. */
const RDN_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.11": "OU",
  "2.5.4.10": "O",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.6": "C",
  "0.9.2342.19200300.100.1.25": "DC",
  "2.5.4.5": "SERIALNUMBER",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "emailAddress",
  "2.5.4.42": "GIVENNAME",
  "2.5.4.4": "SN",
  "2.5.4.12": "T",
  "2.5.4.9": "STREET",
  "2.5.4.17": "postalCode",
};
const SHORT = new Set(Object.values(RDN_NAMES));
/** Session tag values are at most 256 characters (STS). */
const MAX_VALUE = 256;

/** RDN → first value, in certificate order (one tag per attribute type). */
function rdns(name: Name): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const rdn of name.toJSON()) {
    for (const [type, values] of Object.entries(rdn)) {
      const short = SHORT.has(type) ? type : type === "E" ? "emailAddress" : RDN_NAMES[type];
      if (!short || seen.has(short) || values[0] === undefined) continue;
      seen.add(short);
      out.push([short, values[0]]);
    }
  }
  return out;
}

/** Every tag the certificate offers before mapping, key → value. @internal */
export function certificateAttributes(cert: X509Certificate): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [k, v] of rdns(cert.subjectName)) tags.set(`x509Subject/${k}`, v);
  for (const [k, v] of rdns(cert.issuerName)) tags.set(`x509Issuer/${k}`, v);
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  if (san) {
    const items = san.names.items;
    const dns = items.find((n) => n.type === "dns");
    const uri = items.find((n) => n.type === "url");
    const dn = items.find((n) => n.type === "dn");
    if (dns) tags.set("x509SAN/DNS", dns.value);
    if (uri) tags.set("x509SAN/URI", uri.value);
    if (dn) {
      try {
        for (const [k, v] of rdns(new Name(dn.value))) tags.set(`x509SAN/Name/${k}`, v);
      } catch {
        // an unreadable directory name gives no tags
      }
    }
  }
  for (const [k, v] of tags) if (v.length > MAX_VALUE) tags.set(k, v.slice(0, MAX_VALUE));
  return tags;
}

function allowed(key: string, mappings: AttributeMapping[]): boolean {
  const slash = key.indexOf("/");
  const field = key.slice(0, slash);
  const rest = key.slice(slash + 1);
  const m = mappings.find((x) => x.certificateField === field);
  if (!m) return false;
  return m.mappingRules.some((r) => {
    if (field !== "x509SAN") return r.specifier === "*" || r.specifier === rest;
    if (r.specifier === "Name/*") return rest.startsWith("Name/");
    return r.specifier === rest;
  });
}

const cache = new WeakMap<X509Certificate, Map<string, string>>();

/**
 * The principal tags of a session: the certificate's attributes kept by the
 * profile's attribute mappings, as a plain object in a stable order.
 * @internal
 */
export function principalTags(cert: X509Certificate, mappings: AttributeMapping[]): Record<string, string> {
  let attrs = cache.get(cert);
  if (!attrs) {
    attrs = certificateAttributes(cert);
    cache.set(cert, attrs);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of attrs) if (allowed(k, mappings)) out[k] = v;
  return out;
}
