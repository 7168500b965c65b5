import { X509Certificate, randomBytes, type KeyObject } from "node:crypto";
import { ConfigError } from "../errors.js";
import { formatDn, parseDn } from "./dn.js";
import { buildExtensions, subjectKeyIdFromCertificate, subjectKeyIdOf } from "./extensions.js";
import { defaultSignatureHash, generateKeyPairAsync, importSigningKey, keyTypeOf, spkiDer } from "./keys.js";
import type { CertOptions, IssuedCertificate, PkiKeyUsage } from "./options.js";
import { toPem } from "../identity/pem.js";
import { normalizeSerial, randomSerial } from "./serial.js";
import { serialToDecimal } from "../identity/serial.js";
import { pkiCrypto, x509 } from "./x509-runtime.js";

type Role = "root" | "intermediate" | "client";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const DEFAULT_SUBJECT: Record<Role, string> = {
  root: "CN=TEST ROOT",
  intermediate: "CN=TEST INTERMEDIATE",
  client: "CN=TEST CLIENT",
};
const CA_USAGES: PkiKeyUsage[] = ["digitalSignature", "keyCertSign", "cRLSign"];
const CLIENT_USAGES: PkiKeyUsage[] = ["digitalSignature"];

/**
 * Makes a self-signed root CA: v3, basicConstraints critical CA:TRUE, keyUsage
 * critical keyCertSign + cRLSign + digitalSignature, SKI, AKI. TEST USE ONLY.
 * @public
 */
export function createRootCa(opts: CertOptions = {}): Promise<IssuedCertificate> {
  return makeCertificate("root", undefined, opts);
}

/**
 * Makes an intermediate CA signed by `issuer` (same extensions as a root).
 * @public
 */
export function createIntermediateCa(issuer: IssuedCertificate, opts: CertOptions = {}): Promise<IssuedCertificate> {
  return makeCertificate("intermediate", issuer, opts);
}

/**
 * Issues an end-entity (client) certificate signed by `issuer`: v3,
 * basicConstraints CA:FALSE, keyUsage critical digitalSignature, SKI, AKI —
 * what Roles Anywhere accepts as a leaf. The overrides in `opts` make bad leaves
 * for negative tests.
 * @public
 */
export function issueClientCertificate(issuer: IssuedCertificate, opts: CertOptions = {}): Promise<IssuedCertificate> {
  return makeCertificate("client", issuer, opts);
}

async function makeCertificate(role: Role, issuer: IssuedCertificate | undefined, opts: CertOptions): Promise<IssuedCertificate> {
  const isCa = opts.ca ?? role !== "client";
  const now = opts.now ?? new Date();
  const notBefore = opts.notBefore ?? new Date(now.getTime() - 5 * MINUTE);
  const notAfter = opts.notAfter ?? new Date(now.getTime() + (role === "client" ? 365 : 3650) * DAY);
  if (notAfter.getTime() < notBefore.getTime()) {
    throw new ConfigError(`certificate validity is empty: notAfter ${notAfter.toISOString()} is before notBefore ${notBefore.toISOString()}`, {
      hint: "give a notAfter later than notBefore",
    });
  }
  if (opts.pathLength !== undefined && (!Number.isInteger(opts.pathLength) || opts.pathLength < 0)) {
    throw new ConfigError(`pathLength must be a whole number of 0 or more, not ${opts.pathLength}`, { hint: "omit pathLength for no constraint" });
  }

  const privateKey: KeyObject = opts.privateKey ?? (await generateKeyPairAsync(opts.keyType ?? "ec-p256")).privateKey;
  const keyType = keyTypeOf(privateKey);
  const subjectName = parseDn(opts.subject ?? DEFAULT_SUBJECT[role]);
  const serialHex = opts.serial !== undefined ? normalizeSerial(opts.serial) : randomSerial(randomBytes(16));

  const signerKey = issuer?.privateKey ?? privateKey;
  const hash = opts.signatureHash ?? defaultSignatureHash(keyTypeOf(signerKey));
  const signing = await importSigningKey(signerKey, hash);

  const subjectKeyId = await subjectKeyIdOf(privateKey);
  const authorityKeyId = issuer ? (subjectKeyIdFromCertificate(issuer.certDer) ?? (await subjectKeyIdOf(issuer.privateKey))) : subjectKeyId;
  const issuerName = issuer ? new x509.X509Certificate(issuer.certDer).subjectName : subjectName;

  const extensions = buildExtensions({
    ca: isCa,
    ...(opts.pathLength !== undefined ? { pathLength: opts.pathLength } : {}),
    keyUsages: opts.keyUsages === undefined ? (role === "client" ? CLIENT_USAGES : CA_USAGES) : opts.keyUsages,
    sanDns: opts.sanDns ?? [],
    sanUri: opts.sanUri ?? [],
    subjectKeyId,
    authorityKeyId,
  });

  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialHex,
      subject: subjectName,
      issuer: issuerName,
      notBefore,
      notAfter,
      publicKey: spkiDer(privateKey),
      signingKey: signing.key,
      signingAlgorithm: signing.algorithm,
      extensions,
    },
    pkiCrypto,
  );

  const certDer = Buffer.from(cert.rawData);
  return {
    certPem: toPem("CERTIFICATE", certDer),
    certDer,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    privateKey,
    serialHex,
    serialDecimal: serialToDecimal(serialHex),
    subject: formatDn(subjectName),
    keyType,
    x509: new X509Certificate(certDer),
  };
}
