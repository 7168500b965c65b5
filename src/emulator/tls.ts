/**
 * `--tls`: a throw-away certificate authority and a server certificate for
 * 127.0.0.1, ::1 and localhost signed by it (ECDSA P-256, valid 7 days), made
 * with @peculiar/x509 on node:crypto's WebCrypto. The CA certificate is what
 * clients trust (AWS_CA_BUNDLE).
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
  cryptoProvider,
} from "@peculiar/x509";

/** PEM texts of a generated server identity. @internal */
export interface GeneratedTls {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Makes a CA and a server certificate for loopback names. @internal */
export async function generateLoopbackTls(now: number = Date.now()): Promise<GeneratedTls> {
  const crypto = webcrypto;
  cryptoProvider.set(crypto);
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const caKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const leafKeys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(now - 60_000);
  const notAfter = new Date(now + 7 * 86_400_000);
  const serial = () => "01" + Buffer.from(crypto.getRandomValues(new Uint8Array(15))).toString("hex");
  const ca = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: "CN=signing-helper emulator local CA",
      notBefore,
      notAfter,
      signingAlgorithm: alg,
      keys: caKeys,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    },
    crypto,
  );
  const leaf = await X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: "CN=localhost",
      issuer: ca.subject,
      notBefore,
      notAfter,
      signingAlgorithm: alg,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension(["1.3.6.1.5.5.7.3.1"]),
        new SubjectAlternativeNameExtension([
          { type: "dns", value: "localhost" },
          { type: "ip", value: "127.0.0.1" },
          { type: "ip", value: "::1" },
        ]),
      ],
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey);
  return { caCertPem: ca.toString("pem") + "\n", certPem: leaf.toString("pem") + "\n", keyPem: pem("PRIVATE KEY", pkcs8) };
}
