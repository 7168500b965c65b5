import { ConfigError } from "../errors.js";
import { subjectKeyIdFromCertificate, subjectKeyIdOf } from "./extensions.js";
import { defaultSignatureHash, importSigningKey, keyTypeOf } from "./keys.js";
import type { CrlOptions, IssuedCertificate, RevokedEntry } from "./options.js";
import { toPem } from "../identity/pem.js";
import { normalizeSerial } from "./serial.js";
import { pkiCrypto, x509 } from "./x509-runtime.js";

const DAY = 24 * 60 * 60_000;
const OID_CRL_NUMBER = "2.5.29.20";

/**
 * Makes a v2 CRL signed by `issuer` that lists the `revoked` serials, with the
 * authorityKeyIdentifier and cRLNumber extensions. TEST USE ONLY.
 * @returns the CRL as PEM (`X509 CRL` block) and DER.
 * @public
 */
export async function createCrl(
  issuer: IssuedCertificate,
  revoked: readonly RevokedEntry[],
  opts: CrlOptions = {},
): Promise<{ pem: string; der: Buffer }> {
  const thisUpdate = opts.thisUpdate ?? new Date();
  const nextUpdate = opts.nextUpdate ?? new Date(thisUpdate.getTime() + 30 * DAY);
  if (nextUpdate.getTime() < thisUpdate.getTime()) {
    throw new ConfigError(`CRL nextUpdate ${nextUpdate.toISOString()} is before thisUpdate ${thisUpdate.toISOString()}`, {
      hint: "give a nextUpdate later than thisUpdate",
    });
  }
  const hash = opts.signatureHash ?? defaultSignatureHash(keyTypeOf(issuer.privateKey));
  const signing = await importSigningKey(issuer.privateKey, hash);
  const authorityKeyId = subjectKeyIdFromCertificate(issuer.certDer) ?? (await subjectKeyIdOf(issuer.privateKey));

  const seen = new Set<string>();
  const entries = revoked.map((entry) => {
    const serialNumber = normalizeSerial(entry.serialHex);
    if (seen.has(serialNumber)) {
      throw new ConfigError(`CRL lists serial ${serialNumber} twice`, { hint: "list each revoked serial once" });
    }
    seen.add(serialNumber);
    return { serialNumber, revocationDate: entry.date ?? thisUpdate };
  });

  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: new x509.X509Certificate(issuer.certDer).subjectName,
      thisUpdate,
      nextUpdate,
      entries,
      extensions: [
        new x509.AuthorityKeyIdentifierExtension(authorityKeyId, false),
        new x509.Extension(OID_CRL_NUMBER, false, derInteger(BigInt(opts.crlNumber ?? 1))),
      ],
      signingKey: signing.key,
      signingAlgorithm: signing.algorithm,
    },
    pkiCrypto,
  );
  const der = Buffer.from(crl.rawData);
  return { pem: toPem("X509 CRL", der), der };
}

/** DER INTEGER of a non-negative bigint (short definite length is enough here). */
function derInteger(value: bigint): Buffer {
  if (value < 0n) throw new ConfigError(`CRL number must be 0 or more, not ${value.toString()}`, { hint: "use a positive crlNumber" });
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let body = Buffer.from(hex, "hex");
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  if (body.length > 20) throw new ConfigError("CRL number is longer than 20 bytes", { hint: "use a smaller crlNumber (RFC 5280 §5.2.3)" });
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}
