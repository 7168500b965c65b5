/**
 * PKCS#12 (.p12/.pfx) → private key + certificates, with node-forge doing the
 * cryptography: the PKCS#12 MAC (SHA-1/256/384/512) and both the legacy
 * PKCS#12 PBE ciphers (3DES, RC2-40; what `openssl pkcs12 -legacy` and Go
 * write) and PBES2 (PBKDF2 + AES-CBC; what OpenSSL 3 writes by default).
 *
 * The container is walked here rather than through forge's pkcs12FromAsn1, so
 * that certificates keep their exact DER bytes (forge re-encodes the RSA
 * certificates it understands) and EC and ML-DSA keys pass through untouched
 * (forge parses only RSA keys). The decrypted PKCS#8 goes to node:crypto.
 * @internal
 */
import type * as Forge from "node-forge";
import { fail, PASSWORD_HINT, type Origin } from "./fail.js";
import type { PasswordSource } from "./private-key.js";

type ForgeModule = typeof Forge;
type Asn1 = Forge.asn1.Asn1;
/** forge.pki.pbe exists at run time but is missing from @types/node-forge. */
interface PkiWithPbe {
  pbe: { getCipher(oid: string, params: Asn1, password: string): Forge.cipher.BlockCipher };
}

let forgePromise: Promise<ForgeModule> | undefined;
/** node-forge is loaded only when a PKCS#12 file is met. */
function loadForge(): Promise<ForgeModule> {
  forgePromise ??= import("node-forge").then((m) => ((m as { default?: ForgeModule }).default ?? (m as ForgeModule)));
  return forgePromise;
}

/** What a PKCS#12 file holds. */
export interface Pkcs12Contents {
  /** Decrypted PKCS#8 PrivateKeyInfo DER of each key bag. */
  keys: Buffer[];
  /** DER of each certificate bag, in file order. */
  certificates: Buffer[];
}

const P12 = {
  keyBag: "1.2.840.113549.1.12.10.1.1",
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  safeContentsBag: "1.2.840.113549.1.12.10.1.6",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  data: "1.2.840.113549.1.7.1",
  encryptedData: "1.2.840.113549.1.7.6",
  envelopedData: "1.2.840.113549.1.7.3",
  pbes2: "1.2.840.113549.1.5.13",
  pbmac1: "1.2.840.113549.1.5.14",
};

const MAC_DIGESTS: Record<string, { name: "sha1" | "sha256" | "sha384" | "sha512"; bytes: number }> = {
  "1.3.14.3.2.26": { name: "sha1", bytes: 20 },
  "2.16.840.1.101.3.4.2.1": { name: "sha256", bytes: 32 },
  "2.16.840.1.101.3.4.2.2": { name: "sha384", bytes: 48 },
  "2.16.840.1.101.3.4.2.3": { name: "sha512", bytes: 64 },
};

/** Thrown inside the walk; turned into an IdentityError with the origin. */
class Pkcs12Problem extends Error {
  constructor(
    readonly kind: "structure" | "unsupported" | "wrong-password",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Opens a PKCS#12 file with the `given` password; with none given it tries the
 * empty password (both forms OpenSSL uses), then `ask`s. Throws IdentityError:
 * PKCS12 (not PKCS#12, unsupported scheme, no key or no certificate),
 * PASSWORD_REQUIRED or KEY_DECRYPT.
 */
export async function openPkcs12(
  der: Buffer,
  origin: Origin,
  given: string | undefined,
  ask: PasswordSource,
): Promise<Pkcs12Contents> {
  const forge = await loadForge();
  const walker = new Walker(forge);
  let pfx: ReturnType<Walker["readPfx"]>;
  try {
    pfx = walker.readPfx(der);
  } catch (err) {
    throw fail("PKCS12", origin, `not a readable PKCS#12 file (${err instanceof Error ? err.message : String(err)})`, {
      hint: "give a PEM or DER certificate, or a PKCS#12 (.p12/.pfx) file",
      cause: err,
    });
  }

  // `null` is the absent password, "" the empty one: OpenSSL writes either for "no password".
  let chosen: string | null | undefined;
  if (given !== undefined) {
    if (pfx.mac && !walker.macMatches(pfx, given)) throw wrongPassword(origin);
    chosen = given;
  } else {
    chosen = pfx.mac ? (["", null] as const).find((p) => walker.macMatches(pfx, p)) : "";
    if (chosen === undefined) {
      const prompted = await ask(origin);
      if (!prompted) throw passwordRequired(origin);
      if (!walker.macMatches(pfx, prompted)) throw wrongPassword(origin);
      chosen = prompted;
    }
  }

  let contents: Pkcs12Contents;
  try {
    contents = walker.readContents(pfx, chosen);
  } catch (err) {
    if (err instanceof Pkcs12Problem && err.kind === "wrong-password") {
      throw given === undefined && !chosen ? passwordRequired(origin) : wrongPassword(origin, err);
    }
    const detail = err instanceof Error ? err.message : String(err);
    throw fail("PKCS12", origin, `could not read the PKCS#12 file: ${detail}`, {
      hint: "export it again with 'openssl pkcs12 -export' (AES-256) or convert it to PEM with 'openssl pkcs12 -nodes'",
      cause: err,
    });
  }
  if (contents.keys.length === 0) {
    throw fail("PKCS12", origin, "the PKCS#12 file holds no private key", {
      hint: "export it again with its key, or give the certificate and --private-key separately",
    });
  }
  if (contents.keys.length > 1) {
    throw fail("PKCS12", origin, `the PKCS#12 file holds ${contents.keys.length} private keys; expected one`, {
      hint: "export only the identity to use, or convert it to PEM and pick the key",
    });
  }
  if (contents.certificates.length === 0) {
    throw fail("PKCS12", origin, "the PKCS#12 file holds no certificate", { hint: "export it again with the certificate" });
  }
  return contents;
}

function wrongPassword(origin: Origin, cause?: unknown) {
  return fail("KEY_DECRYPT", origin, "wrong password for the PKCS#12 file", { hint: PASSWORD_HINT, cause });
}

function passwordRequired(origin: Origin) {
  return fail("PASSWORD_REQUIRED", origin, "the PKCS#12 file is protected by a password and none was given", {
    hint: "pass --pkcs8-password VALUE|env:NAME (passphrase in the library), or run in a terminal to be asked for it",
  });
}

interface Pfx {
  /** The AuthenticatedSafe bytes (binary string), which the MAC covers. */
  authSafe: string;
  mac?: { digestOid: string; digest: string; salt: string; iterations: number };
}

class Walker {
  constructor(private readonly forge: ForgeModule) {}

  private fromDer(bytes: string): Asn1 {
    return this.forge.asn1.fromDer(this.forge.util.createBuffer(bytes), { strict: false, decodeBitStrings: false } as never);
  }

  private oid(node: Asn1 | undefined): string {
    if (!node || node.type !== this.forge.asn1.Type.OID) throw new Pkcs12Problem("structure", "expected an object identifier");
    return this.forge.asn1.derToOid(node.value as string);
  }

  private seq(node: Asn1 | undefined, what: string): Asn1[] {
    if (!node || !Array.isArray(node.value)) throw new Pkcs12Problem("structure", `malformed ${what}`);
    return node.value;
  }

  /** The bytes of an OCTET STRING, joining the pieces of a constructed (BER) one. */
  private octets(node: Asn1 | undefined): string {
    if (!node) throw new Pkcs12Problem("structure", "missing OCTET STRING");
    if (typeof node.value === "string") return node.value;
    return node.value.map((n) => this.octets(n)).join("");
  }

  private int(node: Asn1 | undefined): number {
    if (!node || typeof node.value !== "string") throw new Pkcs12Problem("structure", "expected an INTEGER");
    let v = 0;
    for (const ch of node.value) v = v * 256 + ch.charCodeAt(0);
    return v;
  }

  readPfx(der: Buffer): Pfx {
    const top = this.seq(this.fromDer(der.toString("binary")), "PFX");
    if (this.int(top[0]) !== 3) throw new Error("unsupported PFX version");
    const authSafe = this.seq(top[1], "authSafe");
    const type = this.oid(authSafe[0]);
    if (type !== P12.data) throw new Pkcs12Problem("unsupported", "public-key integrity mode is not supported");
    const out: Pfx = { authSafe: this.octets(this.seq(authSafe[1], "authSafe content")[0]) };
    if (top[2]) {
      const macData = this.seq(top[2], "MacData");
      const digestInfo = this.seq(macData[0], "MAC DigestInfo");
      const digestOid = this.oid(this.seq(digestInfo[0], "MAC algorithm")[0]);
      if (digestOid === P12.pbmac1) throw new Pkcs12Problem("unsupported", "PBMAC1 integrity is not supported");
      out.mac = {
        digestOid,
        digest: this.octets(digestInfo[1]),
        salt: this.octets(macData[1]),
        iterations: macData[2] ? this.int(macData[2]) : 1,
      };
    }
    return out;
  }

  /** PKCS#12 MAC check (RFC 7292 appendix B key derivation, HMAC). `null` is the absent password. */
  macMatches(pfx: Pfx, password: string | null): boolean {
    const mac = pfx.mac!;
    const digest = MAC_DIGESTS[mac.digestOid];
    if (!digest) throw new Pkcs12Problem("unsupported", `MAC digest ${mac.digestOid} is not supported`);
    const { forge } = this;
    const key = forge.pkcs12.generateKey(password as string, forge.util.createBuffer(mac.salt), 3, mac.iterations, digest.bytes, forge.md[digest.name].create());
    const hmac = forge.hmac.create();
    hmac.start(forge.md[digest.name].create() as never, key);
    hmac.update(pfx.authSafe);
    return hmac.digest().getBytes() === mac.digest;
  }

  readContents(pfx: Pfx, password: string | null): Pkcs12Contents {
    const out: Pkcs12Contents = { keys: [], certificates: [] };
    for (const info of this.seq(this.fromDer(pfx.authSafe), "AuthenticatedSafe")) {
      const [typeNode, content] = this.seq(info, "ContentInfo");
      const type = this.oid(typeNode);
      if (type === P12.data) {
        this.readSafeContents(this.fromDer(this.octets(this.seq(content, "data")[0])), password, out);
      } else if (type === P12.encryptedData) {
        this.readSafeContents(this.decryptData(this.seq(content, "encryptedData")[0]!, password), password, out);
      } else if (type === P12.envelopedData) {
        throw new Pkcs12Problem("unsupported", "public-key encrypted (enveloped) contents are not supported");
      } else {
        throw new Pkcs12Problem("unsupported", `content type ${type} is not supported`);
      }
    }
    return out;
  }

  /** The password as each scheme wants it: PBES2 takes UTF-8 bytes, PKCS#12 PBE takes the string (made BMP). */
  private passwordFor(schemeOid: string, password: string | null): string {
    if (schemeOid === P12.pbes2) return this.forge.util.encodeUtf8(password ?? "");
    return password as string;
  }

  private decryptData(encryptedData: Asn1, password: string | null): Asn1 {
    const [, eci] = this.seq(encryptedData, "EncryptedData");
    const [, alg, encrypted] = this.seq(eci, "EncryptedContentInfo");
    const [algOidNode, params] = this.seq(alg, "encryption algorithm");
    const algOid = this.oid(algOidNode);
    let cipher;
    try {
      cipher = (this.forge.pki as unknown as PkiWithPbe).pbe.getCipher(algOid, params!, this.passwordFor(algOid, password));
    } catch (err) {
      throw new Pkcs12Problem("unsupported", `encryption scheme ${algOid} is not supported (${err instanceof Error ? err.message : String(err)})`);
    }
    cipher.update(this.forge.util.createBuffer(this.octets(encrypted)));
    if (!cipher.finish()) throw new Pkcs12Problem("wrong-password", "could not decrypt the certificate bag");
    try {
      return this.fromDer(cipher.output.getBytes());
    } catch {
      throw new Pkcs12Problem("wrong-password", "the decrypted contents are not DER");
    }
  }

  private readSafeContents(safeContents: Asn1, password: string | null, out: Pkcs12Contents): void {
    const { asn1 } = this.forge;
    for (const bag of this.seq(safeContents, "SafeContents")) {
      const [idNode, wrapper] = this.seq(bag, "SafeBag");
      const id = this.oid(idNode);
      const value = this.seq(wrapper, "bag value")[0]!;
      if (id === P12.keyBag) {
        out.keys.push(Buffer.from(asn1.toDer(value).getBytes(), "binary"));
      } else if (id === P12.shroudedKeyBag) {
        const algOid = this.oid(this.seq(this.seq(value, "EncryptedPrivateKeyInfo")[0], "key encryption algorithm")[0]);
        let plain: Asn1 | null;
        try {
          plain = this.forge.pki.decryptPrivateKeyInfo(value, this.passwordFor(algOid, password));
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (/Unsupported OID|not a supported/i.test(message)) {
            throw new Pkcs12Problem("unsupported", `key encryption scheme ${algOid} is not supported`);
          }
          throw new Pkcs12Problem("wrong-password", "could not decrypt the key bag");
        }
        if (!plain) throw new Pkcs12Problem("wrong-password", "could not decrypt the key bag");
        out.keys.push(Buffer.from(asn1.toDer(plain).getBytes(), "binary"));
      } else if (id === P12.certBag) {
        const [certIdNode, certWrapper] = this.seq(value, "CertBag");
        if (this.oid(certIdNode) !== P12.x509Certificate) continue;
        out.certificates.push(Buffer.from(this.octets(this.seq(certWrapper, "certificate value")[0]), "binary"));
      } else if (id === P12.safeContentsBag) {
        this.readSafeContents(value, password, out);
      }
      // CRL and secret bags are not needed.
    }
  }
}
