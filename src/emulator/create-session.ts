/**
 * CreateSession, server side: the ordered checks of protocol.md §3, each failure
 * mapped to a status, an `x-amzn-ErrorType` and a message (README.md in this
 * folder has the table), and on success the real 201 response shape.
 * No I/O here: the server hands in the request and writes the outcome.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { Clock } from "../clock.js";
import type { AuditEntry, MintedCredentials, MintRequest } from "./types.js";
import { ARN_PATTERNS } from "./arn.js";
import type { CertCache } from "./cert-cache.js";
import { parseCertInfo as parseCertInfoUncached } from "./cert-info.js";
import type { CertInfo, CertKeyType } from "./cert-info.js";
import { decodeStrictBase64 } from "./pem.js";
import { peekCertificate } from "./der-peek.js";
import {
  X509_ALGORITHMS,
  algorithmForKey,
  canonicalRequest,
  parseAmzDate,
  parseAuthorization,
  parseQuery,
  sha256Hex,
  stringToSign,
  verifyX509SignatureAsync,
  type ParsedQuery,
  type X509Algorithm,
} from "./sigv4x509-verify.js";
import type { EmulatorState } from "./state.js";
import { checkLeaf, type ChainFailure, type ChainValidator } from "./validate-chain.js";
import { principalTags } from "./principal-tags.js";

/** The part of the credential store CreateSession uses. @internal */
export interface CredentialMinter {
  mint(req: MintRequest): MintedCredentials;
}

/** What CreateSession needs. @internal */
export interface CreateSessionDeps {
  state: EmulatorState;
  store: CredentialMinter;
  clock: Clock;
  /** Allowed distance between X-Amz-Date and the clock, seconds (default 300). */
  clockSkewSeconds: number;
  validator: ChainValidator;
  certs: CertCache;
}

/** The request as received. @internal */
export interface IncomingCreateSession {
  method: string;
  path: string;
  rawQuery: string;
  /** Headers grouped by lowercase name, every value kept (see groupRawHeaders). */
  headers: Map<string, string[]>;
  body: Buffer;
}

/** The answer to write, plus what to audit. @internal */
export interface CreateSessionOutcome {
  status: number;
  /** Set on failure: the `x-amzn-ErrorType` value. */
  errorType?: string;
  /** JSON text of the body. */
  body: string;
  audit: Omit<AuditEntry, "time" | "requestId" | "status" | "outcome" | "operation">;
}

type Audit = CreateSessionOutcome["audit"];

class Refusal {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly message: string,
    readonly reason: string = message,
  ) {}
}

const denied = (message: string, reason?: string): Refusal => new Refusal(403, "AccessDeniedException", message, reason);
const invalid = (message: string, reason?: string): Refusal => new Refusal(400, "ValidationException", message, reason);

/** The AWS validation-message style: `1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: ...`. */
function constraint(field: string, value: unknown, rule: string): Refusal {
  const shown = value === undefined || value === null ? "null" : `'${typeof value === "string" ? value.slice(0, 256) : preview(value)}'`;
  return invalid(`1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${rule}`);
}

/** At most this many characters of a non-string value are echoed in a validation message. @internal */
export const ECHO_MAX = 64;

/**
 * The start of a JSON value's text, at most ECHO_MAX characters ("…" when cut),
 * built without recursion past what fits: a value nested 10,000 deep (a JSON
 * body can hold that) costs a few steps, never a stack overflow, and a large one
 * is never echoed whole.
 */
function preview(value: unknown): string {
  let out = "";
  const put = (s: string): boolean => {
    out += s;
    return out.length <= ECHO_MAX;
  };
  const walk = (v: unknown): boolean => {
    if (v === null || typeof v !== "object") return put(typeof v === "string" ? JSON.stringify(v.slice(0, ECHO_MAX)) : String(JSON.stringify(v)));
    const isArray = Array.isArray(v);
    if (!put(isArray ? "[" : "{")) return false;
    let first = true;
    for (const [k, item] of isArray ? (v as unknown[]).map((x, i) => [i, x] as const) : Object.entries(v as object)) {
      if (!first && !put(",")) return false;
      first = false;
      if (!isArray && !put(`${JSON.stringify(String(k).slice(0, ECHO_MAX))}:`)) return false;
      if (!walk(item)) return false;
    }
    return put(isArray ? "]" : "}");
  };
  return walk(value) ? out : `${out.slice(0, ECHO_MAX)}…`;
}

const SESSION_NAME_RE = /^[\w+=,.@-]{2,64}$/;
const SOURCE_IDENTITY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;

function formatAmzDate(t: number): string {
  return new Date(t).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Lowercase hex of the serial, left-padded with 0 to an even length (protocol.md §3 items 13, 14). @internal */
export function serialHexEven(info: Pick<CertInfo, "serialHex">): string {
  const h = info.serialHex.toLowerCase();
  return h.length % 2 === 0 ? h : "0" + h;
}

/**
 * The source identity of protocol.md §3 item 14: `CN=<cn>` for a CN of at most
 * 61 characters, the bare CN for 62-64, else `ID=<hex serial>`. A CN with
 * characters STS does not allow in a source identity also falls back to the ID form.
 * @internal
 */
export function sourceIdentityOf(leaf: Pick<CertInfo, "commonName" | "serialHex">): string {
  const cn = leaf.commonName;
  if (cn !== undefined && cn.length > 0 && SOURCE_IDENTITY_RE.test(cn)) {
    if (cn.length <= 61) return `CN=${cn}`;
    if (cn.length <= 64) return cn;
  }
  return `ID=${serialHexEven(leaf)}`;
}

/** Clients repeat the same query (the same three ARNs), so its parse is memoized (bounded). */
const queryCache = new Map<string, ParsedQuery | undefined>();
function parseQueryCached(raw: string): ParsedQuery | undefined {
  if (queryCache.has(raw)) return queryCache.get(raw);
  const parsed = parseQuery(raw);
  if (raw.length <= 4096) {
    if (queryCache.size >= 500) queryCache.clear();
    queryCache.set(raw, parsed);
  }
  return parsed;
}

/** Per-certificate values derived once (the parsed certificates are cached, so this is too). */
const derived = new WeakMap<CertInfo, { sourceIdentity: string; defaultSessionName: string }>();
function derivedOf(leaf: CertInfo): { sourceIdentity: string; defaultSessionName: string } {
  let d = derived.get(leaf);
  if (!d) {
    d = { sourceIdentity: sourceIdentityOf(leaf), defaultSessionName: serialHexEven(leaf) };
    derived.set(leaf, d);
  }
  return d;
}

function single(headers: Map<string, string[]>, name: string): string | undefined | null {
  const v = headers.get(name);
  if (!v) return undefined;
  return v.length === 1 ? v[0]! : null;
}

const LEAF_MESSAGES: Record<Exclude<ChainFailure["kind"], "untrusted" | "revoked">, string> = {
  "leaf-not-v3": "Signing certificate must be an X.509 v3 certificate.",
  "leaf-ca": "Signing certificate must not be a CA certificate (basicConstraints CA:TRUE).",
  "leaf-key-usage": "Signing certificate keyUsage must include digitalSignature.",
  "leaf-weak-signature": "Signing certificate must be signed with SHA-256 or stronger.",
  "leaf-expired": "Signing certificate has expired.",
  "leaf-not-yet-valid": "Signing certificate is not yet valid.",
  "leaf-empty-subject": "Signing certificate must have a non-empty Subject.",
  "leaf-unsupported-key": "Signing certificate key type is not supported.",
};

function refusalOf(f: ChainFailure): Refusal {
  if (f.kind === "untrusted") return denied("Untrusted Signing Certificate", f.reason);
  if (f.kind === "revoked") return denied("Certificate revoked", f.reason);
  return denied(LEAF_MESSAGES[f.kind], f.reason);
}

interface RequestBody {
  durationSeconds?: number;
  roleSessionName?: string;
  instanceProperties?: Record<string, string>;
  arns: { profileArn?: unknown; roleArn?: unknown; trustAnchorArn?: unknown };
}

function parseBody(body: Buffer): RequestBody | Refusal {
  if (body.length === 0 || body.toString("latin1").trim() === "") return { arns: {} };
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return invalid("Request body is not valid JSON.");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return invalid("Request body must be a JSON object.");
  const o = json as Record<string, unknown>;
  const out: RequestBody = { arns: { profileArn: o.profileArn, roleArn: o.roleArn, trustAnchorArn: o.trustAnchorArn } };
  if (o.durationSeconds !== undefined && o.durationSeconds !== null) {
    const d = o.durationSeconds;
    if (typeof d !== "number" || !Number.isInteger(d)) return constraint("durationSeconds", d, "Member must be an integer");
    if (d < 900) return constraint("durationSeconds", d, "Member must have value greater than or equal to 900");
    if (d > 43200) return constraint("durationSeconds", d, "Member must have value less than or equal to 43200");
    out.durationSeconds = d;
  }
  if (o.roleSessionName !== undefined && o.roleSessionName !== null) {
    if (typeof o.roleSessionName !== "string") return constraint("roleSessionName", o.roleSessionName, "Member must be a string");
    out.roleSessionName = o.roleSessionName;
  }
  if (o.instanceProperties !== undefined && o.instanceProperties !== null) {
    const ip = o.instanceProperties;
    if (typeof ip !== "object" || Array.isArray(ip)) return constraint("instanceProperties", ip, "Member must be a map of strings");
    const entries = Object.entries(ip as Record<string, unknown>);
    if (entries.length > 50) return constraint("instanceProperties", `${entries.length} entries`, "Member must have at most 50 entries");
    for (const [k, v] of entries) {
      if (k.length < 1 || k.length > 200) return constraint("instanceProperties", k, "Map keys must have length between 1 and 200");
      if (typeof v !== "string" || v.length < 1 || v.length > 200) {
        return constraint(`instanceProperties.${k}`, v, "Member must be a string of length between 1 and 200");
      }
    }
    out.instanceProperties = ip as Record<string, string>;
  }
  return out;
}

function pickArns(query: ParsedQuery, body: RequestBody): { profileArn: string; roleArn: string; trustAnchorArn: string } | Refusal {
  const out: Record<string, string> = {};
  for (const field of ["profileArn", "roleArn", "trustAnchorArn"] as const) {
    const fromQuery = query.params.get(field) ?? [];
    if (fromQuery.length > 1) return constraint(field, fromQuery.join(","), "Member must be given once");
    const v: unknown = fromQuery.length === 1 ? fromQuery[0] : body.arns[field];
    if (v === undefined || v === null) return constraint(field, undefined, "Member must not be null");
    if (typeof v !== "string") return constraint(field, v, "Member must be a string");
    if (v.length < 1 || v.length > 1011) return constraint(field, v, "Member must have length between 1 and 1011");
    const re = ARN_PATTERNS[field];
    if (!re.test(v)) return constraint(field, v, `Member must satisfy regular expression pattern: ${re.source}`);
    out[field] = v;
  }
  return out as { profileArn: string; roleArn: string; trustAnchorArn: string };
}

/**
 * Runs CreateSession on one request and returns the response to write. Never
 * throws for bad input: every refusal is an outcome.
 * @internal
 */
export async function createSession(deps: CreateSessionDeps, req: IncomingCreateSession): Promise<CreateSessionOutcome> {
  const audit: Audit = {};
  try {
    return await run(deps, req, audit);
  } catch (err) {
    if (err instanceof Refusal) {
      audit.errorCode = err.type;
      audit.reason = err.reason;
      return { status: err.status, errorType: err.type, body: JSON.stringify({ message: err.message }), audit };
    }
    throw err;
  }
}

async function run(deps: CreateSessionDeps, req: IncomingCreateSession, audit: Audit): Promise<CreateSessionOutcome> {
  const now = deps.clock.now();

  // 1. Request shape: body, ARNs, then the Authorization header.
  const body = parseBody(req.body);
  if (body instanceof Refusal) throw body;
  const query = parseQueryCached(req.rawQuery);
  if (!query) throw invalid("Malformed query string: bad percent-encoding");
  const arns = pickArns(query, body);
  if (arns instanceof Refusal) throw arns;
  audit.trustAnchorArn = arns.trustAnchorArn;
  audit.profileArn = arns.profileArn;
  audit.roleArn = arns.roleArn;

  const authValue = single(req.headers, "authorization");
  if (authValue === undefined) throw denied("Missing Authentication Token", "no Authorization header");
  if (authValue === null) throw denied("Malformed Authorization header: sent more than once");
  const auth = parseAuthorization(authValue);
  if (typeof auth === "string") throw denied(`Malformed Authorization header: ${auth}`);

  // 2. Algorithm.
  if (!(X509_ALGORITHMS as readonly string[]).includes(auth.algorithm)) {
    throw denied(`Unsupported signing algorithm ${auth.algorithm.slice(0, 64)} (expected one of ${X509_ALGORITHMS.join(", ")})`);
  }
  const algorithm = auth.algorithm as X509Algorithm;
  audit.algorithm = algorithm;

  // 3. Scope.
  const amzDate = single(req.headers, "x-amz-date");
  if (typeof amzDate !== "string") throw denied("Missing or repeated X-Amz-Date header");
  const signedAt = parseAmzDate(amzDate.trim());
  if (signedAt === undefined) throw denied("Malformed X-Amz-Date header: expected YYYYMMDDTHHMMSSZ");
  if (auth.scopeService !== "rolesanywhere") throw denied(`Invalid credential scope: service must be rolesanywhere, not ${auth.scopeService}`);
  if (auth.scopeTerminator !== "aws4_request") throw denied("Invalid credential scope: must end with aws4_request");
  if (auth.scopeDate !== amzDate.trim().slice(0, 8)) {
    throw denied(`Invalid credential scope: date ${auth.scopeDate} does not match X-Amz-Date ${amzDate.trim()}`);
  }
  if (auth.scopeRegion !== deps.state.region) {
    throw denied(`Invalid credential scope: region ${auth.scopeRegion} does not match this endpoint's region ${deps.state.region}`);
  }

  // 4. Clock skew.
  if (Math.abs(now - signedAt) > deps.clockSkewSeconds * 1000) {
    throw denied(
      `Invalid signature: X-Amz-Date ${amzDate.trim()} is more than ${deps.clockSkewSeconds} seconds from the server time ${formatAmzDate(now)}`,
    );
  }

  // 5. Certificate and chain: size, base64 and the outer DER structure only
  // (der-peek.ts); serial. The full parse (the expensive part, and what is
  // cached) waits until the signature has verified, so a request with a
  // made-up signature costs a few header reads and one verification at most.
  const x509Header = single(req.headers, "x-amz-x509");
  if (x509Header === undefined) throw denied("Missing X-Amz-X509 header");
  if (x509Header === null) throw invalid("X-Amz-X509 header sent more than once");
  const leafPre = precheckCert(deps.certs, x509Header.trim(), "X-Amz-X509");
  const light = leafPre.full ?? lightLeaf(leafPre);
  audit.serial = light.serialDecimal;
  let serialMatches = false;
  try {
    serialMatches = BigInt(auth.serial) === BigInt(light.serialDecimal);
  } catch {
    serialMatches = false;
  }
  if (!serialMatches) {
    throw denied(
      `Invalid signature: the Credential serial ${auth.serial.slice(0, 64)} does not match the certificate serial ${light.serialDecimal}`,
    );
  }
  const chainHeader = single(req.headers, "x-amz-x509-chain");
  if (chainHeader === null) throw invalid("X-Amz-X509-Chain header sent more than once");
  const chainParts = chainHeader === undefined ? [] : chainHeader.split(",").map((s) => s.trim());
  audit.chainLength = chainParts.length;
  if (chainParts.length > 5) {
    throw invalid(`X-Amz-X509-Chain holds ${chainParts.length} certificates; at most 5 are allowed.`);
  }
  const chainPre = chainParts.map((b64, i) => precheckCert(deps.certs, b64, `X-Amz-X509-Chain certificate ${i + 1}`));
  const chainBytes = chainPre.reduce((n, c) => n + c.derLength, 0);
  if (chainBytes > MAX_CHAIN_DER_BYTES) {
    throw invalid(`X-Amz-X509-Chain certificates total ${chainBytes} bytes; at most ${MAX_CHAIN_DER_BYTES} are allowed.`);
  }

  // 6. Signature over the client's SignedHeaders.
  const required = ["host", "x-amz-date", "x-amz-x509", ...(chainHeader !== undefined ? ["x-amz-x509-chain"] : [])];
  const missing = required.filter((h) => !auth.signedHeaders.includes(h));
  if (missing.length > 0) throw denied(`Invalid signature: SignedHeaders must include ${missing.join(", ")}`);
  const unsent = auth.signedHeaders.find((h) => !req.headers.has(h));
  if (unsent) throw denied(`Invalid signature: signed header ${unsent} is not in the request`);
  const canonical = canonicalRequest({
    method: req.method,
    path: req.path,
    canonicalQuery: query.canonical,
    headers: req.headers,
    signedHeaders: auth.signedHeaders,
    payloadHash: sha256Hex(req.body),
  });
  if (canonical === undefined) throw denied(`Invalid signature: a signed header is not in the request`);
  const expectedAlg = algorithmForKey(light.keyType);
  if (expectedAlg === undefined) {
    throw denied(LEAF_MESSAGES["leaf-unsupported-key"], `certificate key algorithm ${light.keyDetail} has no SigV4-X509 algorithm`);
  }
  if (expectedAlg !== algorithm) {
    throw denied(`Invalid signature: algorithm ${algorithm} does not match the certificate's ${light.keyType} key (expected ${expectedAlg})`);
  }
  if (!light.publicKey) {
    throw denied(LEAF_MESSAGES["leaf-unsupported-key"], `this Node.js (${process.version}) cannot load a ${light.keyType} public key`);
  }
  const scope = `${auth.scopeDate}/${auth.scopeRegion}/${auth.scopeService}/${auth.scopeTerminator}`;
  const sts = stringToSign(algorithm, amzDate.trim(), scope, canonical);
  if (!(await verifyX509SignatureAsync(algorithm, light.publicKey, sts, auth.signature))) {
    throw denied("Invalid signature", "the signature does not verify with the certificate's public key");
  }

  // Authenticated: now the full parse (cached).
  const leaf = fullCert(deps.certs, leafPre);
  audit.subject = leaf.subject;
  if (leaf.version !== 3) throw denied(LEAF_MESSAGES["leaf-not-v3"], `leaf certificate is X.509 v${leaf.version}`);
  const chain = chainPre.map((c) => fullCert(deps.certs, c));

  // From here the certificate is authentic: the subject is recorded (ListSubjects), refused or not.
  try {
    return await authorize(deps, req, audit, { now, leaf, chain, arns, body });
  } catch (err) {
    if (err instanceof Refusal) deps.state.recordSubject(leaf, now, true, body.instanceProperties);
    throw err;
  }
}

interface Authentic {
  now: number;
  leaf: CertInfo;
  chain: CertInfo[];
  arns: { profileArn: string; roleArn: string; trustAnchorArn: string };
  body: RequestBody;
}

/** Steps 7-13 and the answer, for a request whose signature verified. */
async function authorize(deps: CreateSessionDeps, _req: IncomingCreateSession, audit: Audit, a: Authentic): Promise<CreateSessionOutcome> {
  const { now, leaf, chain, arns, body } = a;
  // 7. Leaf rules.
  const leafProblem = checkLeaf(leaf, now);
  if (leafProblem) throw refusalOf(leafProblem);

  // 8-9. Trust anchor, path, CRLs.
  const anchor = deps.state.trustAnchor(arns.trustAnchorArn);
  if (!anchor) throw denied("Specified Trust Anchor wasn't found.");
  if (!anchor.enabled) throw denied("Specified Trust Anchor is disabled.", `trust anchor ${anchor.name} is disabled`);
  // Parsed certificates are cached by their exact base64, so their ids name the exact bytes received.
  const pathResult = await deps.validator.validate(
    chain.length === 0 ? `${leaf.id}` : `${leaf.id}:${chain.map((c) => c.id).join(",")}`,
    leaf,
    chain,
    anchor,
    deps.state.revision(anchor.arn),
    now,
  );
  if (!pathResult.ok) throw refusalOf(pathResult.failure);

  // 10. Profile and role.
  const profile = deps.state.profile(arns.profileArn);
  if (!profile) throw denied("Invalid or empty profile provided.");
  if (!profile.enabled) throw denied("Specified Profile is disabled.", `profile ${profile.name} is disabled`);
  if (!profile.roleArns.includes(arns.roleArn)) throw denied("Requested Role isn't one of those listed in the Profile.");
  const role = deps.state.role(arns.roleArn);
  if (!role) throw denied("Requested Role isn't one of those listed in the Profile.", "role is not configured");

  // 11. Duration.
  const durationSeconds = Math.min(profile.durationSeconds, body.durationSeconds ?? profile.durationSeconds);
  if (durationSeconds > role.maxSessionDuration) {
    throw invalid(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
      `duration ${durationSeconds} s exceeds role maxSessionDuration ${role.maxSessionDuration} s`,
    );
  }

  // 12. Role session name.
  if (body.roleSessionName !== undefined) {
    if (!profile.acceptRoleSessionName) throw denied("Not authorized to set roleSessionName.");
    if (!SESSION_NAME_RE.test(body.roleSessionName)) {
      throw constraint("roleSessionName", body.roleSessionName, "Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}");
    }
  }

  // 13. Instance properties.
  if (profile.requireInstanceProperties && Object.keys(body.instanceProperties ?? {}).length === 0) {
    throw invalid("Instance properties are required by this profile.", `profile ${profile.name} requires instanceProperties`);
  }

  // Success.
  const { sourceIdentity, defaultSessionName } = derivedOf(leaf);
  const roleSessionName = body.roleSessionName ?? defaultSessionName;
  const tags = principalTags(leaf.x509, profile.attributeMappings);
  const creds = deps.store.mint({
    accountId: role.accountId,
    roleArn: role.arn,
    roleSessionName,
    sourceIdentity,
    principalTags: tags,
    durationSeconds,
    now,
  });
  audit.sourceIdentity = sourceIdentity;
  audit.accessKeyId = creds.accessKeyId;
  audit.principalTags = tags;
  deps.state.recordSubject(leaf, now, false, body.instanceProperties);
  const response = {
    credentialSet: [
      {
        assumedRoleUser: { arn: creds.assumedRoleArn, assumedRoleId: creds.assumedRoleId },
        credentials: {
          accessKeyId: creds.accessKeyId,
          expiration: isoSeconds(creds.expiration),
          secretAccessKey: creds.secretAccessKey,
          sessionToken: creds.sessionToken,
        },
        packedPolicySize: 0,
        roleArn: creds.roleArn,
        sourceIdentity,
      },
    ],
    subjectArn: deps.state.subjectArn(leaf.subject),
  };
  return { status: 201, body: JSON.stringify(response), audit };
}

/** Largest DER certificate accepted in X-Amz-X509 or as one chain certificate (bytes). @internal */
export const MAX_CERTIFICATE_DER_BYTES = 16 * 1024;
/** Largest total of the X-Amz-X509-Chain certificates (bytes). @internal */
export const MAX_CHAIN_DER_BYTES = 24 * 1024;
const MAX_CERTIFICATE_B64 = Math.ceil(MAX_CERTIFICATE_DER_BYTES / 3) * 4;

/** One certificate header value that passed the cheap checks. */
interface PrecheckedCert {
  b64: string;
  what: string;
  derLength: number;
  /** Already fully parsed (a cache hit). */
  full?: CertInfo;
  der?: Buffer;
  peek?: { serialHex: string; spki: Uint8Array };
}

/**
 * Size, strict base64 and the outer DER structure of a certificate: enough to
 * refuse junk with the same messages as before, at a cost that does not depend
 * on the certificate's content (no ASN.1 parse, no cache).
 */
function precheckCert(certs: CertCache, b64: string, what: string): PrecheckedCert {
  // The size first: even the cache lookup hashes the whole text.
  if (b64.length > MAX_CERTIFICATE_B64) {
    throw invalid(`${what} is larger than ${MAX_CERTIFICATE_DER_BYTES} bytes.`);
  }
  const known = certs.peek(b64);
  if (known) return { b64, what, derLength: known.der.length, full: known };
  const der = decodeStrictBase64(b64);
  if (!der) throw invalid(`${what} is not valid base64.`);
  if (der.length > MAX_CERTIFICATE_DER_BYTES) throw invalid(`${what} is larger than ${MAX_CERTIFICATE_DER_BYTES} bytes.`);
  const peek = peekCertificate(der);
  if (!peek) throw invalid(`${what} is not a DER X.509 certificate.`);
  return { b64, what, derLength: der.length, der, peek };
}

/** What the signature check needs from the leaf. */
interface LightLeaf {
  serialDecimal: string;
  keyType: CertKeyType;
  keyDetail: string;
  publicKey?: KeyObject;
}

const NODE_KEY_TYPES: Record<string, CertKeyType> = {
  rsa: "RSA",
  ec: "EC",
  "ml-dsa-44": "ML-DSA-44",
  "ml-dsa-65": "ML-DSA-65",
  "ml-dsa-87": "ML-DSA-87",
};

/** The leaf's serial and public key from node:crypto; a key it cannot load falls back to the full parse. */
function lightLeaf(c: PrecheckedCert): LightLeaf {
  let publicKey: KeyObject | undefined;
  try {
    publicKey = createPublicKey({ key: Buffer.from(c.peek!.spki), format: "der", type: "spki" });
  } catch {
    publicKey = undefined;
  }
  const keyType = publicKey ? NODE_KEY_TYPES[publicKey.asymmetricKeyType ?? ""] : undefined;
  if (!publicKey || !keyType) {
    // A key node:crypto cannot load or name: the full parse says what it is (bounded by the size limit).
    const full = parseCertInfoOrRefuse(c);
    return { serialDecimal: full.serialDecimal, keyType: full.keyType, keyDetail: full.keyDetail, ...(full.publicKey ? { publicKey: full.publicKey } : {}) };
  }
  // The same value as the full parse's serialDecimal: the INTEGER's bytes read as unsigned.
  return { serialDecimal: BigInt(`0x${c.peek!.serialHex}`).toString(10), keyType, keyDetail: keyType, publicKey };
}

function parseCertInfoOrRefuse(c: PrecheckedCert): CertInfo {
  return fullCert(undefined, c);
}

/** The full parse, through the cache when given one. */
function fullCert(certs: CertCache | undefined, c: PrecheckedCert): CertInfo {
  if (c.full) return c.full;
  try {
    c.full = certs ? certs.get(c.b64, () => c.der!) : parseCertInfoUncached(c.der!);
    return c.full;
  } catch {
    throw invalid(`${c.what} is not a DER X.509 certificate.`);
  }
}
