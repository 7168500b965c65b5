/**
 * An identity whose key (and maybe certificate) is on a PKCS#11 token. The
 * opened token (module, session, login, the key found) is kept for the life
 * of the process, keyed by what was asked for, so `serve` and the library's
 * provider sign at every refresh without searching or logging in again; a
 * session that went away (token removed, reset) is noticed and opened afresh
 * at the next load. Loaded only for pkcs11: inputs.
 * @internal
 */
import { createHash, randomBytes, type KeyObject, type X509Certificate } from "node:crypto";
import { IdentityError, UsageError } from "../../errors.js";
import type { IdentityInput, IdentityIo, IdentitySpec, Pkcs11Input, TokenIdentity, TokenKey } from "../types.js";
import { loadCertificates } from "../load.js";
import { MAX_CHAIN_LENGTH } from "../chain.js";
import { serialToDecimal } from "../serial.js";
import { defaultModulePath, ckr, briefError, loadModule, resetModule, type Handle, type LoadedModule } from "./module.js";
import { askPin, givenPin, type Pin } from "./pin.js";
import { isPkcs11UriText, parsePkcs11Uri, queryText, redactUri, type Pkcs11Uri } from "./uri.js";
import {
  certificateKeyKind,
  closeSession,
  describeContents,
  findCertificates,
  findPrivateKeys,
  isGone,
  listSlots,
  login,
  matchSlots,
  moduleMatches,
  openSession,
  publicKeyById,
  signWith,
  template,
  tokenName,
  trimPadded,
  verifiesWith,
  type Digest,
  type SlotView,
  type TokenCertificate,
  type TokenPrivateKey,
} from "./token.js";

/** Whether an identity input is a PKCS#11 one. @internal */
export function isPkcs11Input(input: unknown): input is Pkcs11Input {
  return typeof input === "object" && input !== null && !(input instanceof Uint8Array) && typeof (input as Pkcs11Input).pkcs11 === "string";
}

function p11Error(message: string, hint?: string, cause?: unknown): IdentityError {
  return new IdentityError("PKCS11", message, { ...(hint ? { hint } : {}), ...(cause !== undefined ? { cause } : {}) });
}

const PIN_HINT = "add ?pin-source=env:NAME (or file:PATH) to the URI, set pin in the library, or run on a terminal to type it";

/** What one identity asks for, resolved from the spec. */
interface Request {
  module: string;
  certUri: Pkcs11Uri | undefined;
  certUriText: string | undefined;
  /** A certificate (and maybe its chain) from a file, when only the key is on a token. */
  fileCertificates: { certificate: X509Certificate; der: Buffer }[] | undefined;
  keyUri: Pkcs11Uri | undefined;
  keyUriText: string | undefined;
  pin: IdentityInput | undefined;
  reusePin: boolean;
}

function modulePathOf(inputs: (Pkcs11Input | undefined)[], uris: (Pkcs11Uri | undefined)[]): string {
  for (const i of inputs) if (i?.module) return i.module;
  for (const u of uris) {
    const p = u && queryText(u, "module-path");
    if (p) return p;
  }
  return defaultModulePath();
}

function parseInputUri(input: Pkcs11Input, flag: string): Pkcs11Uri {
  if (!isPkcs11UriText(input.pkcs11)) throw new UsageError(`${flag}: ${redactUri(input.pkcs11)} is not a pkcs11: URI`);
  return parsePkcs11Uri(input.pkcs11);
}

/** What a context-specific login needs; `contextPin` is remembered once it worked. */
interface AuthState {
  m: LoadedModule;
  session: Handle;
  userPin: Pin | undefined;
  reusePin: boolean;
  io: IdentityIo;
  contextPin: Pin | undefined;
}

/**
 * The context-specific login a CKA_ALWAYS_AUTHENTICATE key wants after each
 * C_SignInit: the remembered PIN, else the user PIN under --reuse-pin, else
 * asked on the terminal; a remembered or reused PIN that fails falls back to
 * asking, as the official helper does.
 */
async function contextLogin(auth: AuthState, key: TokenPrivateKey): Promise<void> {
  const what = `key ${key.uri}`;
  const ask = `the PIN of ${what} (asked at every signature)`;
  let pin = auth.contextPin ?? (auth.reusePin ? auth.userPin : undefined);
  if (pin) {
    try {
      auth.contextPin = await login(auth.m, auth.session, "context", pin, what, auth.io);
      return;
    } catch (err) {
      const typed = await askPin(auth.io, ask);
      if (typed === undefined) throw err;
      pin = { value: typed, typed: true };
    }
  } else {
    const typed = await askPin(auth.io, ask);
    if (typed === undefined) {
      throw p11Error(
        `PKCS#11 ${what}: the key wants a PIN at every signature (CKA_ALWAYS_AUTHENTICATE) and there is no terminal to ask on`,
        "pass --reuse-pin (reusePin in the library) to use the user PIN for it, or run on a terminal",
      );
    }
    pin = { value: typed, typed: true };
  }
  auth.contextPin = await login(auth.m, auth.session, "context", pin, what, auth.io);
}

/** An open token identity: the session stays open and logged in between signatures. */
class OpenIdentity {
  broken = false;
  constructor(
    readonly auth: AuthState,
    readonly slot: SlotView,
    readonly key: TokenPrivateKey,
    readonly certificate: { x509: X509Certificate; der: Buffer } | undefined,
    readonly chainDer: Buffer[],
    readonly publicKey: KeyObject,
  ) {}

  get userPin(): Pin | undefined {
    return this.auth.userPin;
  }

  /** Whether the session still answers (it does not after a removal or a reset). */
  alive(): boolean {
    if (this.broken) return false;
    try {
      this.auth.m.p11.C_GetSessionInfo(this.auth.session);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.broken = true;
    closeSession(this.auth.m, this.auth.session);
  }

  async sign(message: Uint8Array, digest: Digest): Promise<Buffer> {
    if (this.broken) {
      throw p11Error(`PKCS#11 ${tokenName(this.slot)}: the session was lost`, "it is opened again at the next attempt (serve and the provider retry by themselves)");
    }
    try {
      return await signWith(this.auth.m, this.auth.session, this.key, message, digest, () => contextLogin(this.auth, this.key));
    } catch (err) {
      // A failed operation may be left active on the session: start afresh next time.
      this.close();
      if (err instanceof IdentityError) throw err;
      if (isGone(err)) {
        throw p11Error(
          `PKCS#11 ${tokenName(this.slot)}: the token went away or was reset (${briefError(err)})`,
          "put the token back; it is opened again at the next attempt",
          err,
        );
      }
      throw p11Error(`PKCS#11 key ${this.key.uri}: signing failed (${briefError(err)})`, undefined, err);
    }
  }

  tokenKey(): TokenKey {
    return {
      uri: this.key.uri,
      keyType: this.key.keyType,
      publicKey: this.publicKey,
      sign: (message, digest = "sha256") => this.sign(message, digest),
    };
  }
}

/** Caller-facing PIN lookup: given (option, URIs), remembered, or asked once. */
function pinSource(req: Request, io: IdentityIo, remembered: Pin | undefined): (what: string) => Promise<Pin | undefined> {
  let cached = remembered;
  return async (what) => {
    if (cached) return cached;
    const given = await givenPin(req.pin, req.keyUri, req.certUri, io);
    if (given !== undefined) return (cached = { value: given, typed: false });
    const typed = await askPin(io, what);
    return typed === undefined ? undefined : (cached = { value: typed, typed: true });
  };
}

function noTokenError(m: LoadedModule, uri: Pkcs11Uri, uriText: string, all: SlotView[]): IdentityError {
  const present = all.map((s) => (s.token.flags & m.k.CKF_TOKEN_INITIALIZED ? `"${trimPadded(s.token.label)}"` : "an uninitialised one"));
  void uri;
  return p11Error(
    `PKCS#11: no token matches ${redactUri(uriText)} in module ${m.path} (${present.length ? `tokens present: ${present.join(", ")}` : "it shows no token"})`,
    "check the token= / serial= / slot-id= of the URI, that the token is plugged in, and --pkcs11-lib",
  );
}

function slotsFor(m: LoadedModule, all: SlotView[], uri: Pkcs11Uri): SlotView[] {
  return moduleMatches(m, uri) ? matchSlots(all, uri) : [];
}

/** The intermediates on the token that issued the leaf, leaf first excluded, root excluded (at most MAX_CHAIN_LENGTH). */
function chainFromToken(leaf: X509Certificate, all: TokenCertificate[]): Buffer[] {
  const out: Buffer[] = [];
  let current = leaf;
  const used = new Set<string>([leaf.fingerprint256]);
  while (out.length < MAX_CHAIN_LENGTH) {
    const issuer = all.find((c) => !used.has(c.x509.fingerprint256) && current.checkIssued(c.x509) && current.verify(c.x509.publicKey));
    if (!issuer || issuer.x509.checkIssued(issuer.x509)) break; // none, or the self-signed root (the trust anchor holds it)
    out.push(issuer.der);
    used.add(issuer.x509.fingerprint256);
    current = issuer.x509;
  }
  return out;
}

/** Finds the certificate of a URI (official rules: no login first; one matching token is then logged in to). */
async function findCertificate(
  m: LoadedModule,
  all: SlotView[],
  req: Request & { certUri: Pkcs11Uri; certUriText: string },
  pin: (what: string) => Promise<Pin | undefined>,
  io: IdentityIo,
  single: boolean,
): Promise<{ slot: SlotView | undefined; session: Handle | undefined; loggedIn: boolean; userPin: Pin | undefined; certs: TokenCertificate[] }> {
  const candidates = slotsFor(m, all, req.certUri);
  const certs: TokenCertificate[] = [];
  let slot: SlotView | undefined;
  let session: Handle | undefined;
  for (const s of candidates) {
    let sess: Handle;
    try {
      sess = openSession(m, s);
    } catch {
      continue;
    }
    let found: TokenCertificate[] = [];
    try {
      found = findCertificates(m, s, sess, req.certUri);
    } catch {
      // unsearchable: skipped
    }
    certs.push(...found);
    if (found.length && !slot) {
      slot = s;
      session = sess;
    } else closeSession(m, sess);
  }
  if (certs.length) return { slot, session, loggedIn: false, userPin: undefined, certs };
  if (candidates.length === 0) throw noTokenError(m, req.certUri, req.certUriText, all);
  if (candidates.length > 1) {
    throw p11Error(
      `PKCS#11: no certificate matches ${redactUri(req.certUriText)} without logging in, and ${candidates.length} tokens match it (${candidates.map((s) => `"${trimPadded(s.token.label)}"`).join(", ")}), so none is logged in to`,
      "add token= or serial= to the URI so that it names one token",
    );
  }
  const s = candidates[0]!;
  const given = await pin(`the user PIN of PKCS#11 ${tokenName(s)}`);
  if (!given) {
    if (!single) return { slot: undefined, session: undefined, loggedIn: false, userPin: undefined, certs: [] };
    throw p11Error(`PKCS#11 ${tokenName(s)}: no certificate matches ${redactUri(req.certUriText)} without logging in, and no PIN is given to log in with`, PIN_HINT);
  }
  const sess = openSession(m, s);
  let userPin: Pin;
  try {
    userPin = await login(m, sess, "user", given, tokenName(s), io);
  } catch (err) {
    closeSession(m, sess);
    throw err;
  }
  const found = findCertificates(m, s, sess, req.certUri);
  if (!found.length) {
    const contents = describeContents(m, s, sess);
    closeSession(m, sess);
    if (!single) return { slot: undefined, session: undefined, loggedIn: false, userPin, certs: [] };
    throw p11Error(`PKCS#11: no certificate matches ${redactUri(req.certUriText)}; ${contents}`, "fix id= / object= in the URI (values are case-sensitive; id is percent-encoded bytes)");
  }
  return { slot: s, session: sess, loggedIn: true, userPin, certs: found };
}

const CHECK_TEXT = "rolesanywhere-signing-helper PKCS#11 key check ";

/** Opens the identity: certificate, key slot, login, key (tested against the certificate). */
async function open(req: Request, io: IdentityIo, remembered: Pin | undefined, wantTokenChain: boolean): Promise<OpenIdentity> {
  const m = await loadModule(req.module);
  let all: SlotView[];
  try {
    all = listSlots(m);
  } catch (err) {
    throw p11Error(`PKCS#11 module ${m.path}: could not list its slots (${briefError(err)})`, undefined, err);
  }
  const pin = pinSource(req, io, remembered);
  let certSlot: SlotView | undefined;
  let session: Handle | undefined;
  let loggedIn = false;
  let userPin: Pin | undefined = remembered;
  let tokenCert: TokenCertificate | undefined;
  let chainDer: Buffer[] = [];
  const done = () => {
    if (session) closeSession(m, session);
  };
  try {
    if (req.certUri && req.certUriText) {
      const found = await findCertificate(m, all, req as Request & { certUri: Pkcs11Uri; certUriText: string }, pin, io, true);
      ({ session, loggedIn } = found);
      certSlot = found.slot;
      userPin = found.userPin ?? userPin;
      if (found.certs.length > 1) {
        throw p11Error(
          `PKCS#11: ${found.certs.length} certificates match ${redactUri(req.certUriText)}: ${found.certs.map((c) => c.uri).join(", ")}`,
          "add id= or object= (or token=) to the URI so that it names one certificate",
        );
      }
      tokenCert = found.certs[0]!;
      if (wantTokenChain) chainDer = chainFromToken(tokenCert.x509, findCertificates(m, certSlot!, session!, undefined));
    }
    const certificate = tokenCert ? { x509: tokenCert.x509, der: tokenCert.der } : req.fileCertificates?.[0] && { x509: req.fileCertificates[0].certificate, der: req.fileCertificates[0].der };

    // The key: in the token its URI names, else in the certificate's.
    const noKeyUri = !req.keyUri;
    const keyUri = (req.keyUri ?? req.certUri)!;
    const keyUriText = (req.keyUriText ?? req.certUriText)!;
    const keySlots = slotsFor(m, all, keyUri);
    let keySlot: SlotView;
    if (keySlots.length === 1) keySlot = keySlots[0]!;
    else if (certSlot && keySlots.some((s) => s.handle.equals(certSlot!.handle))) keySlot = certSlot;
    else if (keySlots.length === 0) throw noTokenError(m, keyUri, keyUriText, all);
    else {
      throw p11Error(
        `PKCS#11: ${keySlots.length} tokens match the key URI ${redactUri(keyUriText)} (${keySlots.map((s) => `"${trimPadded(s.token.label)}"`).join(", ")})`,
        "add token= or serial= to the URI so that it names one token",
      );
    }
    if (!certSlot || !keySlot.handle.equals(certSlot.handle)) {
      done();
      session = openSession(m, keySlot);
      loggedIn = false;
    }
    if (!loggedIn) {
      const given = await pin(`the user PIN of PKCS#11 ${tokenName(keySlot)}`);
      if (!given) throw p11Error(`PKCS#11 ${tokenName(keySlot)}: its private key needs the user PIN, and none is given`, PIN_HINT);
      userPin = await login(m, session!, "user", given, tokenName(keySlot), io);
      loggedIn = true;
    }
    const sess = session!;

    const auth: AuthState = { m, session: sess, userPin, reusePin: req.reusePin, io, contextPin: undefined };

    /** The key among `keys` that signs for the certificate (each is tried), or the only one when there is no certificate. */
    const pick = async (keys: TokenPrivateKey[]): Promise<TokenPrivateKey | undefined> => {
      if (!certificate) {
        if (keys.length > 1) {
          throw p11Error(
            `PKCS#11: ${keys.length} private keys match ${redactUri(keyUriText)} and no certificate tells them apart: ${keys.map((k) => k.uri).join(", ")}`,
            "add id= or object= to the URI, or give the certificate",
          );
        }
        return keys[0];
      }
      const kind = certificateKeyKind(certificate.x509);
      const message = Buffer.concat([Buffer.from(CHECK_TEXT), randomBytes(16)]);
      for (const key of keys) {
        if (key.keyType !== kind) continue;
        let signature: Buffer;
        try {
          signature = await signWith(m, sess, key, message, "sha256", () => contextLogin(auth, key));
        } catch (err) {
          if (err instanceof IdentityError) throw err;
          if (isGone(err)) throw err;
          continue; // this key cannot sign: not the one
        }
        if (verifiesWith(certificate.x509.publicKey, key.keyType, message, signature)) return key;
      }
      return undefined;
    };

    let key = await pick(findPrivateKeys(m, keySlot, sess, template(m, keyUri, m.k.CKO_PRIVATE_KEY)));
    if (!key && noKeyUri && keyUri.path.has("object") && tokenCert?.id?.length) {
      // Official rule: searched by the certificate's label and not found, search by its CKA_ID alone.
      key = await pick(findPrivateKeys(m, keySlot, sess, template(m, undefined, m.k.CKO_PRIVATE_KEY, { id: tokenCert.id })));
    }
    if (!key) {
      const why = certificate ? "no private key there signs for the certificate" : "no private key matches it";
      throw p11Error(`PKCS#11: ${why} (key URI ${redactUri(keyUriText)}); ${describeContents(m, keySlot, sess)}`, "fix id= / object= of the URI, or give the certificate that belongs to the key");
    }

    let publicKey = certificate?.x509.publicKey;
    if (!publicKey && key.id?.length) {
      publicKey = findCertificates(m, keySlot, sess, { path: new Map([["id", key.id]]), query: new Map() })[0]?.x509.publicKey;
      publicKey ??= publicKeyById(m, sess, key.id, key.keyType);
    }
    if (!publicKey) {
      throw p11Error(`PKCS#11 key ${key.uri}: the token has no certificate or public key with its CKA_ID, so its public key is unknown`, "give the certificate too (--certificate)");
    }
    const opened = new OpenIdentity(auth, keySlot, key, certificate, chainDer, publicKey);
    session = undefined; // owned by `opened` now
    return opened;
  } catch (err) {
    done();
    if (err instanceof IdentityError || err instanceof UsageError) throw err;
    throw p11Error(`PKCS#11 module ${m.path}: ${briefError(err)}`, undefined, err);
  }
}

const pool = new Map<string, OpenIdentity>();
const opening = new Map<string, Promise<OpenIdentity>>();

function poolKey(req: Request, wantTokenChain: boolean): string {
  const cert = req.fileCertificates?.[0] ? createHash("sha256").update(req.fileCertificates[0].der).digest("hex") : req.certUriText;
  return JSON.stringify([req.module, cert, req.keyUriText, req.reusePin, wantTokenChain]);
}

/** The opened identity for a request: the kept one while its session answers, else opened (again). */
async function openPooled(req: Request, io: IdentityIo, wantTokenChain: boolean): Promise<OpenIdentity> {
  const k = poolKey(req, wantTokenChain);
  const kept = pool.get(k);
  if (kept?.alive()) return kept;
  let pending = opening.get(k);
  if (!pending) {
    const reset = kept
      ? (async () => {
          // The session is gone (token removed, reset, or the module lost its device): start from a fresh module.
          kept.close();
          pool.delete(k);
          for (const [other, o] of pool) {
            if (o.auth.m.path === kept.auth.m.path) {
              o.close();
              pool.delete(other);
            }
          }
          await resetModule(kept.auth.m.path);
        })()
      : Promise.resolve();
    pending = reset.then(() => open(req, io, kept?.userPin, wantTokenChain)).then(
      (o) => {
        pool.set(k, o);
        opening.delete(k);
        return o;
      },
      (err: unknown) => {
        opening.delete(k);
        throw err;
      },
    );
    opening.set(k, pending);
  }
  return pending;
}

async function requestOf(spec: IdentitySpec, io: IdentityIo): Promise<Request> {
  const certIn = isPkcs11Input(spec.certificate) ? spec.certificate : undefined;
  const keyIn = isPkcs11Input(spec.privateKey) ? spec.privateKey : undefined;
  if (certIn && spec.privateKey !== undefined && !keyIn) {
    throw new UsageError("private key: a certificate on a PKCS#11 token goes with a key on a token", {
      hint: "leave out --private-key (the key is then looked for next to the certificate), or give it as a pkcs11: URI",
    });
  }
  const certUri = certIn ? parseInputUri(certIn, "--certificate") : undefined;
  const keyUri = keyIn ? parseInputUri(keyIn, "--private-key") : undefined;
  if (certUri && ["private", "public", "secret-key", "data"].includes(certUri.path.get("type")?.toString() ?? "")) {
    throw new UsageError(`--certificate: ${redactUri(certIn!.pkcs11)} names type=${certUri.path.get("type")!.toString()}, not a certificate`, { hint: "use type=cert, or leave type out" });
  }
  if (keyUri && ["cert", "public", "secret-key", "data"].includes(keyUri.path.get("type")?.toString() ?? "")) {
    throw new UsageError(`--private-key: ${redactUri(keyIn!.pkcs11)} names type=${keyUri.path.get("type")!.toString()}, not a private key`, { hint: "use type=private, or leave type out" });
  }
  const fileCertificates = certIn ? undefined : await loadCertificates(spec.certificate as IdentityInput, io);
  return {
    module: modulePathOf([keyIn, certIn], [keyUri, certUri]),
    certUri,
    certUriText: certIn?.pkcs11,
    fileCertificates,
    keyUri,
    keyUriText: keyIn?.pkcs11,
    pin: keyIn?.pin ?? certIn?.pin,
    reusePin: Boolean(keyIn?.reusePin || certIn?.reusePin),
  };
}

/**
 * Loads an identity whose key (and maybe certificate) is on a PKCS#11 token.
 * The chain: `spec.intermediates` when given, else the rest of a certificate
 * file, else the intermediates on the token that issued the leaf.
 * Throws IdentityError PKCS11 (module, token, PIN, no or several matches:
 * one line each, never with a PIN) or UsageError (bad URI).
 */
export async function loadPkcs11Identity(spec: IdentitySpec, io: IdentityIo = {}): Promise<TokenIdentity> {
  const req = await requestOf(spec, io);
  const intermediates = spec.intermediates !== undefined ? (await loadCertificates(spec.intermediates, io)).map((c) => c.der) : undefined;
  const opened = await openPooled(req, io, intermediates === undefined && req.certUri !== undefined);
  const leaf = opened.certificate;
  if (!leaf) throw new UsageError("certificate: none given", { hint: "pass --certificate (a file or a pkcs11: URI)" });
  const chainDer = intermediates ?? (req.fileCertificates ? req.fileCertificates.slice(1).map((c) => c.der) : opened.chainDer);
  if (chainDer.length > MAX_CHAIN_LENGTH) {
    throw new IdentityError("CHAIN_TOO_LONG", `intermediates: ${chainDer.length} certificates, at most ${MAX_CHAIN_LENGTH} can be sent`);
  }
  return {
    certificate: leaf.x509,
    certificateDer: leaf.der,
    chainDer,
    tokenKey: opened.tokenKey(),
    keyType: opened.key.keyType,
    serialDecimal: serialToDecimal(leaf.x509.serialNumber),
  };
}

/**
 * The key alone (sign-string): found by its URI, tested against `certificate`
 * when one is given; its public key from the certificate, else from the token.
 */
export async function loadPkcs11Key(key: Pkcs11Input, certificate: IdentityInput | Pkcs11Input | undefined, io: IdentityIo = {}): Promise<TokenKey> {
  if (certificate !== undefined) {
    const identity = await loadPkcs11Identity({ certificate, privateKey: key }, io);
    return identity.tokenKey!;
  }
  const keyUri = parseInputUri(key, "--private-key");
  const req: Request = {
    module: modulePathOf([key], [keyUri]),
    certUri: undefined,
    certUriText: undefined,
    fileCertificates: undefined,
    keyUri,
    keyUriText: key.pkcs11,
    pin: key.pin,
    reusePin: Boolean(key.reusePin),
  };
  return (await openPooled(req, io, false)).tokenKey();
}

/** A certificate listed by read-certificate-data. */
export interface ListedCertificate {
  certificate: X509Certificate;
  der: Buffer;
  uri: string;
}

/**
 * Every certificate a URI matches (read-certificate-data), with its URI, the
 * way the official helper lists them. Logs in only when nothing is found
 * without and exactly one token matches (a PIN is asked for then, if none is given).
 */
export async function listPkcs11Certificates(input: Pkcs11Input, io: IdentityIo = {}): Promise<ListedCertificate[]> {
  const certUri = parseInputUri(input, "--certificate");
  const req: Request = {
    module: modulePathOf([input], [certUri]),
    certUri,
    certUriText: input.pkcs11,
    fileCertificates: undefined,
    keyUri: undefined,
    keyUriText: undefined,
    pin: input.pin,
    reusePin: false,
  };
  const m = await loadModule(req.module);
  const all = listSlots(m);
  const found = await findCertificate(m, all, req as Request & { certUri: Pkcs11Uri; certUriText: string }, pinSource(req, io, undefined), io, false);
  if (found.session) {
    if (found.loggedIn) {
      try {
        m.p11.C_Logout(found.session);
      } catch (err) {
        if (ckr(err) !== "CKR_USER_NOT_LOGGED_IN") {
          // logged out anyway when the session closes
        }
      }
    }
    closeSession(m, found.session);
  }
  return found.certs.map((c) => ({ certificate: c.x509, der: c.der, uri: c.uri }));
}

/** Closes every kept session (tests, and a library user that wants to let go of its tokens). */
export function closePkcs11Sessions(): void {
  for (const o of pool.values()) o.close();
  pool.clear();
}
