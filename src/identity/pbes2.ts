/**
 * PBES2 decryption of an EncryptedPrivateKeyInfo (RFC 8018) with node:crypto
 * primitives: PBKDF2 (HMAC-SHA1/224/256/384/512, SHA-1 when the PRF is absent,
 * as in ACM exports) or scrypt, then AES-128/192/256-CBC or 3DES-CBC.
 *
 * node:crypto's createPrivateKey({ passphrase }) handles every one of these
 * variants itself (checked on Node 20/OpenSSL 3.0 and Node 24/OpenSSL 3.5), and
 * is what loads keys. This decryptor only serves to explain a failure: when
 * OpenSSL decrypts a key but cannot use it (an ML-DSA key on Node 20), it tells
 * "wrong password" apart from "key type this Node.js cannot use".
 * @internal
 */
import { createDecipheriv, pbkdf2Sync, scryptSync } from "node:crypto";
import { children, classifyDer, contentOf, OID, readOid, readSmallInt, readTlv, TAG, type Tlv } from "./der.js";

/** The outcome of decrypting: the PKCS#8 DER, or why not. */
export type Pbes2Result =
  | { ok: true; pkcs8: Buffer }
  | { ok: false; reason: "wrong-password" }
  | { ok: false; reason: "unsupported"; detail: string };

const PRF_DIGESTS: Record<string, string> = {
  [OID.hmacWithSHA1]: "sha1",
  [OID.hmacWithSHA224]: "sha224",
  [OID.hmacWithSHA256]: "sha256",
  [OID.hmacWithSHA384]: "sha384",
  [OID.hmacWithSHA512]: "sha512",
};

const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  [OID.aes128Cbc]: { name: "aes-128-cbc", keyLength: 16 },
  [OID.aes192Cbc]: { name: "aes-192-cbc", keyLength: 24 },
  [OID.aes256Cbc]: { name: "aes-256-cbc", keyLength: 32 },
  [OID.desEde3Cbc]: { name: "des-ede3-cbc", keyLength: 24 },
};

interface Parsed {
  deriveKey: (password: Buffer, keyLength: number) => Buffer;
  cipher: { name: string; keyLength: number };
  iv: Buffer;
  ciphertext: Buffer;
}

function parse(der: Uint8Array): Parsed | string {
  const [algId, data] = children(der, readTlv(der, 0)) as [Tlv, Tlv];
  const [schemeOid, params] = children(der, algId) as [Tlv, Tlv | undefined];
  const scheme = readOid(der, schemeOid);
  if (scheme !== OID.pbes2 || !params) return `encryption scheme ${scheme} (only PBES2 is supported)`;
  const [kdf, enc] = children(der, params) as [Tlv, Tlv];
  const [kdfOidTlv, kdfParams] = children(der, kdf) as [Tlv, Tlv];
  const [encOidTlv, ivTlv] = children(der, enc) as [Tlv, Tlv | undefined];
  const encOid = readOid(der, encOidTlv);
  const cipher = CIPHERS[encOid];
  if (!cipher || !ivTlv || ivTlv.tag !== TAG.OCTET_STRING) return `cipher ${encOid}`;
  const kdfOid = readOid(der, kdfOidTlv);
  const p = children(der, kdfParams);
  const salt = contentOf(der, p[0]!);
  let deriveKey: Parsed["deriveKey"];
  if (kdfOid === OID.pbkdf2) {
    const iterations = readSmallInt(der, p[1]!);
    const prfTlv = p.slice(2).find((t) => t.tag === TAG.SEQUENCE);
    const prfOid = prfTlv ? readOid(der, children(der, prfTlv)[0]!) : OID.hmacWithSHA1;
    const digest = PRF_DIGESTS[prfOid];
    if (!digest) return `PBKDF2 PRF ${prfOid}`;
    deriveKey = (password, keyLength) => pbkdf2Sync(password, salt, iterations, keyLength, digest);
  } else if (kdfOid === OID.scrypt) {
    const N = readSmallInt(der, p[1]!);
    const r = readSmallInt(der, p[2]!);
    const parallel = readSmallInt(der, p[3]!);
    deriveKey = (password, keyLength) =>
      scryptSync(password, salt, keyLength, { N, r, p: parallel, maxmem: 256 * N * r * parallel + (1 << 20) });
  } else {
    return `key derivation ${kdfOid}`;
  }
  return { deriveKey, cipher, iv: contentOf(der, ivTlv), ciphertext: contentOf(der, data) };
}

/**
 * Decrypts a DER EncryptedPrivateKeyInfo with `password` (UTF-8). A padding
 * error or a plaintext that is not a PKCS#8 PrivateKeyInfo means a wrong
 * password.
 */
export function decryptPbes2(der: Uint8Array, password: string): Pbes2Result {
  let parsed: Parsed | string;
  try {
    parsed = parse(der);
  } catch (err) {
    return { ok: false, reason: "unsupported", detail: `malformed encryption parameters (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof parsed === "string") return { ok: false, reason: "unsupported", detail: parsed };
  const key = parsed.deriveKey(Buffer.from(password, "utf8"), parsed.cipher.keyLength);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(parsed.cipher.name, key, parsed.iv);
    plain = Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    return { ok: false, reason: "wrong-password" };
  }
  if (classifyDer(plain) !== "pkcs8") return { ok: false, reason: "wrong-password" };
  return { ok: true, pkcs8: plain };
}
