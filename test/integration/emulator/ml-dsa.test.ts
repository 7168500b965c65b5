/**
 * ML-DSA leaves: accepted where this Node.js can verify ML-DSA (Node 24+),
 * refused with a clear "not supported" answer elsewhere (Node 20).
 */
import "reflect-metadata";
import { generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from "node:crypto";
import * as x509 from "@peculiar/x509";
import * as asn1js from "asn1js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/server.js";
import { createRootCa, type IssuedCertificate } from "../../../src/pki/index.js";
import { inputFor, sendSigned } from "./helpers.js";
import { independentSign, signers } from "./independent-signer.js";

function nodeHasMlDsa(): boolean {
  try {
    generateKeyPairSync("ml-dsa-44" as never);
    return true;
  } catch {
    return false;
  }
}
const hasMlDsa = nodeHasMlDsa();

/** An ML-DSA-44 SubjectPublicKeyInfo around arbitrary key bytes (for Node versions that cannot make ML-DSA keys). */
function mlDsa44SpkiOf(publicKeyBytes: Buffer): Buffer {
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: "2.16.840.1.101.3.4.3.17" })] }),
      new asn1js.BitString({ valueHex: publicKeyBytes }),
    ],
  });
  return Buffer.from(spki.toBER());
}

async function leafWithSpki(root: IssuedCertificate, spki: Buffer): Promise<{ certDer: Buffer; serialDecimal: string }> {
  const signingKey = await webcrypto.subtle.importKey(
    "pkcs8",
    root.privateKey.export({ type: "pkcs8", format: "der" }),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: "0a01",
      subject: "CN=ml-dsa client",
      issuer: new x509.X509Certificate(root.certDer).subjectName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      publicKey: spki,
      signingKey,
      signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
      extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    },
    webcrypto as never,
  );
  return { certDer: Buffer.from(cert.rawData), serialDecimal: "2561" };
}

let emu: RunningEmulator;
let root: IssuedCertificate;
beforeAll(async () => {
  root = await createRootCa({ keyType: "ec-p256" });
  emu = await startEmulator({ trustAnchorCertPem: root.certPem });
});
afterAll(async () => {
  await emu?.close();
});

describe("ML-DSA leaf certificates", () => {
  it.skipIf(!hasMlDsa)(`are accepted with AWS4-X509-MLDSA from both signers${hasMlDsa ? "" : " [skipped: this Node.js has no ML-DSA]"}`, async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ml-dsa-44" as never) as unknown as { privateKey: KeyObject; publicKey: KeyObject };
    const leaf = await leafWithSpki(root, publicKey.export({ type: "spki", format: "der" }));
    const input = inputFor(emu.endpoint, { ...leaf, privateKey }, emu);
    for (const signer of ["independent", "team"] as const) {
      const built = await signers[signer](input);
      expect(built.headers.authorization).toMatch(/^AWS4-X509-MLDSA /);
      const res = await sendSigned(emu.endpoint, built);
      expect(res.status, `${signer}: ${res.body}`).toBe(201);
    }
    const tampered = independentSign(input);
    tampered.headers.authorization = tampered.headers.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === "0" ? "1" : "0"}`);
    const res = await sendSigned(emu.endpoint, tampered);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toEqual({ message: "Invalid signature" });
  });

  it.skipIf(hasMlDsa)(`are refused as not supported where Node.js cannot verify ML-DSA${hasMlDsa ? " [skipped: this Node.js has ML-DSA]" : ""}`, async () => {
    const leaf = await leafWithSpki(root, mlDsa44SpkiOf(randomBytes(1312)));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const built = independentSign(inputFor(emu.endpoint, { ...leaf, privateKey: ec }, emu));
    built.headers.authorization = built.headers.authorization!.replace("AWS4-X509-ECDSA-SHA256", "AWS4-X509-MLDSA");
    const res = await sendSigned(emu.endpoint, built);
    expect(res.status).toBe(403);
    expect(res.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(JSON.parse(res.body)).toEqual({ message: "Signing certificate key type is not supported." });
    expect(emu.audit.at(-1)?.reason).toMatch(/cannot load a ML-DSA-44 public key/);
  });
});
