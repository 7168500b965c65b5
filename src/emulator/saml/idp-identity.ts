/**
 * Quick mode's IdP signing identity: an RSA-2048 key and a self-signed
 * certificate (valid 7 days), made with @peculiar/x509 on node:crypto's WebCrypto.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { KeyUsageFlags, KeyUsagesExtension, X509CertificateGenerator, cryptoProvider } from "@peculiar/x509";

/** PEM texts of the IdP's signing identity. @internal */
export interface SamlIdpIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

/** Makes an IdP signing key and certificate. @internal */
export async function generateSamlIdpIdentity(now: number = Date.now()): Promise<SamlIdpIdentity> {
  const crypto = webcrypto;
  cryptoProvider.set(crypto);
  const alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
  const keys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: "01" + Buffer.from(crypto.getRandomValues(new Uint8Array(15))).toString("hex"),
      name: "CN=signing-helper emulator SAML IdP",
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 7 * 86_400_000),
      signingAlgorithm: alg,
      keys,
      extensions: [new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true)],
    },
    crypto,
  );
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  const body = pkcs8.replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return { certificatePem: cert.toString("pem") + "\n", privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n` };
}
