/**
 * Finding a certificate and its private key on PKCS#11 tokens, logging in,
 * and signing, with the official helper's rules (after
 * draft-woodhouse-cert-best-practice §8): certificates are searched without
 * logging in, in every token the URI matches; only when none is found and
 * exactly one token matches is it logged in to and searched again. The key is
 * searched in the certificate's token (or the one token its URI matches),
 * after logging in, by the URI's id/object; when several keys match, each is
 * tried by signing and verifying against the certificate; when none matches
 * by label, the search is repeated by the certificate's CKA_ID alone.
 * @internal
 */
import { X509Certificate, createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type * as Pkcs11js from "pkcs11js";
import { IdentityError } from "../../errors.js";
import type { IdentityIo } from "../types.js";
import { briefError, ckr, type Handle, type LoadedModule } from "./module.js";
import { askPin, type Pin } from "./pin.js";
import { formatPkcs11Uri, pathText, type Pkcs11Uri } from "./uri.js";
import { ecdsaRawToDer } from "./ecdsa.js";

/** A slot with a token, and what the URI can match of it. */
export interface SlotView {
  handle: Handle;
  id: number;
  slot: Pkcs11js.SlotInfo;
  token: Pkcs11js.TokenInfo;
}

/** A certificate found on a token. */
export interface TokenCertificate {
  handle: Handle;
  der: Buffer;
  x509: X509Certificate;
  id: Buffer | undefined;
  label: Buffer | undefined;
  uri: string;
}

/** A private key found on a token. */
export interface TokenPrivateKey {
  handle: Handle;
  keyType: "RSA" | "EC";
  alwaysAuthenticate: boolean;
  id: Buffer | undefined;
  label: Buffer | undefined;
  uri: string;
}

export type Digest = "sha256" | "sha384" | "sha512";

/** CK_TOKEN_INFO and CK_SLOT_INFO strings are blank-padded to a fixed width. */
export function trimPadded(s: string): string {
  return s.replace(/[\s\0]+$/, "");
}

export function handleNumber(h: Handle): number {
  return h.length >= 8 ? Number(h.readBigUInt64LE(0)) : h.readUIntLE(0, h.length);
}

function p11Error(message: string, hint?: string, cause?: unknown): IdentityError {
  return new IdentityError("PKCS11", message, { ...(hint ? { hint } : {}), ...(cause !== undefined ? { cause } : {}) });
}

/** Return codes that mean the token or its session went away (removed, reset, closed). */
const GONE = new Set([
  "CKR_DEVICE_REMOVED",
  "CKR_TOKEN_NOT_PRESENT",
  "CKR_SESSION_HANDLE_INVALID",
  "CKR_SESSION_CLOSED",
  "CKR_DEVICE_ERROR",
  "CKR_TOKEN_NOT_RECOGNIZED",
  "CKR_USER_NOT_LOGGED_IN",
  "CKR_CRYPTOKI_NOT_INITIALIZED",
  "CKR_GENERAL_ERROR",
]);

/** Whether a binding error means the token or session is gone (then it is reopened from scratch). */
export function isGone(err: unknown): boolean {
  const code = ckr(err);
  return code !== undefined && GONE.has(code);
}

/** The slots with a token present, with their infos; slots whose info cannot be read are left out, as the official helper does. */
export function listSlots(m: LoadedModule): SlotView[] {
  const out: SlotView[] = [];
  for (const handle of m.p11.C_GetSlotList(true)) {
    try {
      out.push({ handle, id: handleNumber(handle), slot: m.p11.C_GetSlotInfo(handle), token: m.p11.C_GetTokenInfo(handle) });
    } catch {
      // unreadable slot: skipped
    }
  }
  return out;
}

function mismatch(uri: Pkcs11Uri, name: Parameters<typeof pathText>[1], actual: string): boolean {
  const wanted = pathText(uri, name);
  return wanted !== undefined && wanted !== trimPadded(actual);
}

/** Whether the module's own attributes (library-*) fit the URI. */
export function moduleMatches(m: LoadedModule, uri: Pkcs11Uri): boolean {
  const version = pathText(uri, "library-version");
  if (version !== undefined) {
    const [major, minor = "0"] = version.split(".");
    if (Number(major) !== m.info.libraryVersion.major || Number(minor) !== m.info.libraryVersion.minor) return false;
  }
  return !mismatch(uri, "library-manufacturer", m.info.manufacturerID) && !mismatch(uri, "library-description", m.info.libraryDescription);
}

/** The slots whose token and slot attributes fit the URI. */
export function matchSlots(slots: SlotView[], uri: Pkcs11Uri): SlotView[] {
  const slotId = pathText(uri, "slot-id");
  return slots.filter(
    (s) =>
      (slotId === undefined || Number(slotId) === s.id) &&
      !mismatch(uri, "token", s.token.label) &&
      !mismatch(uri, "model", s.token.model) &&
      !mismatch(uri, "manufacturer", s.token.manufacturerID) &&
      !mismatch(uri, "serial", s.token.serialNumber) &&
      !mismatch(uri, "slot-description", s.slot.slotDescription) &&
      !mismatch(uri, "slot-manufacturer", s.slot.manufacturerID),
  );
}

/** `token "label"` for messages. */
export function tokenName(s: SlotView): string {
  return `token "${trimPadded(s.token.label)}" (slot ${s.id})`;
}

/** The URI of an object on a token, without any PIN: what read-certificate-data prints and errors show. */
export function objectUri(s: SlotView, type: "cert" | "private" | "public", id: Buffer | undefined, label: Buffer | undefined): string {
  const path: [string, Uint8Array | string][] = [
    ["token", trimPadded(s.token.label)],
    ["manufacturer", trimPadded(s.token.manufacturerID)],
    ["model", trimPadded(s.token.model)],
    ["serial", trimPadded(s.token.serialNumber)],
  ];
  if (id && id.length) path.push(["id", id]);
  if (label && label.length) path.push(["object", label]);
  path.push(["type", type]);
  return formatPkcs11Uri(path);
}

function attribute(m: LoadedModule, session: Handle, object: Handle, type: number): Buffer | undefined {
  try {
    const [a] = m.p11.C_GetAttributeValue(session, object, [{ type }]);
    const v = a?.value;
    return Buffer.isBuffer(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function ulong(b: Buffer | undefined): number | undefined {
  if (!b || b.length === 0) return undefined;
  return b.length >= 8 ? Number(b.readBigUInt64LE(0)) : b.readUIntLE(0, Math.min(b.length, 6));
}

function findObjects(m: LoadedModule, session: Handle, template: Pkcs11js.Template): Handle[] {
  m.p11.C_FindObjectsInit(session, template);
  try {
    const out: Handle[] = [];
    for (;;) {
      const batch = m.p11.C_FindObjects(session, 100);
      out.push(...batch);
      if (batch.length < 100) return out;
    }
  } finally {
    m.p11.C_FindObjectsFinal(session);
  }
}

/** The search template of a URI for one object class: CKA_CLASS, CKA_LABEL from `object`, CKA_ID from `id`. */
export function template(m: LoadedModule, uri: Pkcs11Uri | undefined, cls: number, override?: { id: Buffer }): Pkcs11js.Template {
  const t: Pkcs11js.Template = [{ type: m.k.CKA_CLASS, value: cls }];
  if (override) {
    t.push({ type: m.k.CKA_ID, value: override.id });
    return t;
  }
  const label = uri?.path.get("object");
  if (label !== undefined) t.push({ type: m.k.CKA_LABEL, value: label });
  const id = uri?.path.get("id");
  if (id !== undefined) t.push({ type: m.k.CKA_ID, value: id });
  return t;
}

/** Certificates in a session that fit the URI (every certificate when `uri` is undefined). */
export function findCertificates(m: LoadedModule, s: SlotView, session: Handle, uri: Pkcs11Uri | undefined): TokenCertificate[] {
  const out: TokenCertificate[] = [];
  for (const handle of findObjects(m, session, template(m, uri, m.k.CKO_CERTIFICATE))) {
    const der = attribute(m, session, handle, m.k.CKA_VALUE);
    if (!der) continue;
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(der);
    } catch {
      continue; // not an X.509 certificate (or unparsable): not a candidate
    }
    const id = attribute(m, session, handle, m.k.CKA_ID);
    const label = attribute(m, session, handle, m.k.CKA_LABEL);
    out.push({ handle, der, x509, id, label, uri: objectUri(s, "cert", id, label) });
  }
  return out;
}

/** Private keys in a session that fit the template; key types other than RSA and EC are left out. */
export function findPrivateKeys(m: LoadedModule, s: SlotView, session: Handle, t: Pkcs11js.Template): TokenPrivateKey[] {
  const out: TokenPrivateKey[] = [];
  for (const handle of findObjects(m, session, t)) {
    const type = ulong(attribute(m, session, handle, m.k.CKA_KEY_TYPE));
    const keyType = type === m.k.CKK_RSA ? "RSA" : type === m.k.CKK_EC ? "EC" : undefined;
    if (!keyType) continue;
    const always = attribute(m, session, handle, m.k.CKA_ALWAYS_AUTHENTICATE);
    const id = attribute(m, session, handle, m.k.CKA_ID);
    const label = attribute(m, session, handle, m.k.CKA_LABEL);
    out.push({ handle, keyType, alwaysAuthenticate: always !== undefined && always.some((b) => b !== 0), id, label, uri: objectUri(s, "private", id, label) });
  }
  return out;
}

/** What a token shows (certificates and private keys), for "no match" errors. */
export function describeContents(m: LoadedModule, s: SlotView, session: Handle): string {
  const certs = findCertificates(m, s, session, undefined).map((c) => `certificate ${c.uri}`);
  let keys: string[] = [];
  try {
    keys = findPrivateKeys(m, s, session, [{ type: m.k.CKA_CLASS, value: m.k.CKO_PRIVATE_KEY }]).map((k) => `private key ${k.uri}`);
  } catch {
    // keys not visible in this session
  }
  const all = [...certs, ...keys];
  return all.length ? `${tokenName(s)} holds: ${all.join("; ")}` : `${tokenName(s)} holds no certificate or key visible here`;
}

/** Opens a read-only session. */
export function openSession(m: LoadedModule, s: SlotView): Handle {
  try {
    return m.p11.C_OpenSession(s.handle, m.k.CKF_SERIAL_SESSION);
  } catch (err) {
    throw p11Error(`PKCS#11 ${tokenName(s)}: could not open a session (${briefError(err)})`, undefined, err);
  }
}

export function closeSession(m: LoadedModule, session: Handle): void {
  try {
    m.p11.C_CloseSession(session);
  } catch {
    // already gone
  }
}

/**
 * Logs in as the user (CKU_USER) or, for a key that wants it, context-specific
 * (CKU_CONTEXT_SPECIFIC). A typed PIN that the token refuses is asked again,
 * at most three times in all; a given one fails at once (a token locks after a
 * few wrong PINs). CKR_USER_ALREADY_LOGGED_IN counts as success. Returns the
 * PIN that worked.
 */
export async function login(
  m: LoadedModule,
  session: Handle,
  userType: "user" | "context",
  pin: Pin,
  what: string,
  io: IdentityIo,
): Promise<Pin> {
  let current = pin;
  for (let attempt = 1; ; attempt++) {
    try {
      m.p11.C_Login(session, userType === "user" ? m.k.CKU_USER : m.k.CKU_CONTEXT_SPECIFIC, current.value);
      return current;
    } catch (err) {
      const code = ckr(err);
      if (code === "CKR_USER_ALREADY_LOGGED_IN" && userType === "user") return current;
      if (code === "CKR_PIN_INCORRECT" && current.typed && attempt < 3) {
        const again = await askPin(io, `${what}, try ${attempt + 1}`);
        if (again !== undefined) {
          current = { value: again, typed: true };
          continue;
        }
      }
      const pinName = userType === "user" ? "the user PIN" : "the key's PIN (context-specific login)";
      if (code === "CKR_PIN_INCORRECT") {
        throw p11Error(`PKCS#11 ${what}: ${pinName} was refused (CKR_PIN_INCORRECT)`, "check the PIN (pin-value / pin-source in the URI, or the one typed); the token locks itself after a few wrong PINs", err);
      }
      if (code === "CKR_PIN_LOCKED") {
        throw p11Error(`PKCS#11 ${what}: the PIN is locked (CKR_PIN_LOCKED)`, "unlock the token with its SO PIN or PUK", err);
      }
      throw p11Error(`PKCS#11 ${what}: login failed (${briefError(err)})`, undefined, err);
    }
  }
}

function hashOf(digest: Digest, message: Uint8Array): Buffer {
  return createHash(digest).update(message).digest();
}

/** The signing mechanism and the data given to C_Sign for a key type and digest. */
export function mechanismFor(m: LoadedModule, keyType: "RSA" | "EC", digest: Digest, message: Uint8Array): { mechanism: number; data: Buffer } {
  if (keyType === "EC") return { mechanism: m.k.CKM_ECDSA, data: hashOf(digest, message) };
  const mechanism = digest === "sha256" ? m.k.CKM_SHA256_RSA_PKCS : digest === "sha384" ? m.k.CKM_SHA384_RSA_PKCS : m.k.CKM_SHA512_RSA_PKCS;
  return { mechanism, data: Buffer.from(message.buffer, message.byteOffset, message.byteLength) };
}

/**
 * One signature: C_SignInit, a context-specific login when the key wants it
 * (`contextPin` is then called for the PIN), C_Sign. ECDSA's raw r‖s is
 * returned DER-encoded.
 */
export async function signWith(
  m: LoadedModule,
  session: Handle,
  key: TokenPrivateKey,
  message: Uint8Array,
  digest: Digest,
  contextLogin: (() => Promise<void>) | undefined,
): Promise<Buffer> {
  const { mechanism, data } = mechanismFor(m, key.keyType, digest, message);
  m.p11.C_SignInit(session, { mechanism }, key.handle);
  if (key.alwaysAuthenticate && contextLogin) await contextLogin();
  const raw = m.p11.C_Sign(session, data, Buffer.alloc(2048));
  return key.keyType === "EC" ? ecdsaRawToDer(raw) : Buffer.from(raw);
}

/** Whether `signature` over `message` verifies with the certificate's public key. */
export function verifiesWith(publicKey: KeyObject, keyType: "RSA" | "EC", message: Uint8Array, signature: Buffer): boolean {
  try {
    return cryptoVerify("sha256", message, keyType === "EC" ? { key: publicKey, dsaEncoding: "der" } : publicKey, signature);
  } catch {
    return false;
  }
}

/** The key type a certificate's public key needs. */
export function certificateKeyKind(x509: X509Certificate): "RSA" | "EC" | undefined {
  const t = x509.publicKey.asymmetricKeyType;
  return t === "rsa" ? "RSA" : t === "ec" ? "EC" : undefined;
}

/** A public key object on the token (CKO_PUBLIC_KEY with the key's CKA_ID) as a KeyObject, or undefined. */
export function publicKeyById(m: LoadedModule, session: Handle, id: Buffer | undefined, keyType: "RSA" | "EC"): KeyObject | undefined {
  if (!id || id.length === 0) return undefined;
  for (const handle of findObjects(m, session, [
    { type: m.k.CKA_CLASS, value: m.k.CKO_PUBLIC_KEY },
    { type: m.k.CKA_ID, value: id },
  ])) {
    try {
      if (keyType === "RSA") {
        const n = attribute(m, session, handle, m.k.CKA_MODULUS);
        const e = attribute(m, session, handle, m.k.CKA_PUBLIC_EXPONENT);
        if (n && e) return createPublicKey({ key: { kty: "RSA", n: n.toString("base64url"), e: e.toString("base64url") }, format: "jwk" });
      } else {
        const params = attribute(m, session, handle, m.k.CKA_EC_PARAMS);
        const point = attribute(m, session, handle, m.k.CKA_EC_POINT);
        if (params && point) return ecPublicKey(params, point);
      }
    } catch {
      // not usable: try the next one
    }
  }
  return undefined;
}

/** SPKI from CKA_EC_PARAMS (the curve OID, DER) and CKA_EC_POINT (an OCTET STRING holding 04‖X‖Y, or the bare point). */
function ecPublicKey(params: Buffer, point: Buffer): KeyObject | undefined {
  let q = point;
  if (point[0] === 0x04 && point.length > 2 && point[1]! + 2 === point.length && point[2] === 0x04) q = point.subarray(2);
  else if (point[0] === 0x04 && point[1] === 0x81 && point[2]! + 3 === point.length) q = point.subarray(3);
  const ecOid = Buffer.from("06072a8648ce3d0201", "hex");
  const alg = Buffer.concat([Buffer.from([0x30, ecOid.length + params.length]), ecOid, params]);
  const bits = Buffer.concat([Buffer.from([0x00]), q]);
  const bitString = Buffer.concat([Buffer.from([0x03]), derLength(bits.length), bits]);
  const body = Buffer.concat([alg, bitString]);
  return createPublicKey({ key: Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]), format: "der", type: "spki" });
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
