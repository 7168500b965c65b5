/**
 * The I/O half of doctor's offline checks: reads the identity sources, the
 * trust anchor bundle and AWS_CA_BUNDLE, and picks the environment variables
 * that matter. Every failure is captured as a Problem, never thrown, so one bad
 * file still lets the other checks run.
 */
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { loadIdentity, loadCertificates, loadPrivateKey } from "../identity/load.js";
import { resolveSource, sourceLabel } from "../identity/sources.js";
import type { IdentityInput, IdentityIo, Pkcs11Input } from "../identity/types.js";
import { readBundle } from "./read-bundle.js";
import { toProblem } from "./results.js";
import type { CertificateBundle, DoctorFacts, KeyMaterial, Outcome, SessionSettings } from "./types.js";

/** What doctor is asked to check. @public */
export interface DoctorRequest {
  /** The identity sources; `certificate` may be missing (reported as a failed check). */
  identity: {
    certificate?: IdentityInput | Pkcs11Input;
    privateKey?: IdentityInput | Pkcs11Input;
    intermediates?: IdentityInput;
    passphrase?: IdentityInput;
  };
  /** Path of the CA bundle uploaded as the trust anchor (--trust-anchor-cert). */
  trustAnchorCertPath?: string;
  settings: SessionSettings;
}

/** Injected I/O of gathering. @public */
export interface GatherOptions {
  /** The environment to read (the CLI passes its own). */
  env: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Identity I/O: stdin reader, password prompt (the CLI asks on the terminal; without one, an encrypted key needs --pkcs8-password). */
  io?: Omit<IdentityIo, "env">;
}

/** The environment variables doctor's checks read. @internal */
export const DOCTOR_ENV_VARS = [
  "AWS_ENDPOINT_URL_ROLESANYWHERE",
  "AWS_ENDPOINT_URL",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
  "AWS_USE_FIPS_ENDPOINT",
  "AWS_USE_DUALSTACK_ENDPOINT",
  "AWS_CA_BUNDLE",
  "https_proxy",
  "HTTPS_PROXY",
  "http_proxy",
  "HTTP_PROXY",
  "no_proxy",
  "NO_PROXY",
] as const;

export { toProblem } from "./results.js";

async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, problem: toProblem(err) };
  }
}

interface IdentityFacts {
  certificate?: Outcome<CertificateBundle>;
  privateKey?: Outcome<KeyMaterial>;
  keyFromCertificate?: boolean;
}

const isToken = (v: IdentityInput | Pkcs11Input | undefined): v is Pkcs11Input =>
  typeof v === "object" && v !== null && !(v instanceof Uint8Array) && typeof (v as Pkcs11Input).pkcs11 === "string";

/** A key (and maybe certificate) on a PKCS#11 token: opened the way the credential commands do, once. */
async function gatherFromToken(req: DoctorRequest["identity"], io: IdentityIo): Promise<IdentityFacts> {
  const { certificate } = req;
  if (certificate === undefined) {
    return { privateKey: { ok: false, problem: { message: "private key (PKCS#11): checking a key on a token needs its certificate", hint: "give --certificate (a file or a pkcs11: URI)" } } };
  }
  const opened = await attempt(() => loadIdentity({ ...req, certificate }, io));
  if (!opened.ok) return isToken(certificate) ? { certificate: opened } : { certificate: await certificateOnly(certificate, io), privateKey: opened };
  const id = opened.value;
  const token = id.tokenKey!;
  const certLabel = isToken(certificate) ? `PKCS#11 certificate ${redactedUri(certificate.pkcs11)}` : sourceLabel(certificate);
  return {
    certificate: { ok: true, value: { label: certLabel, certificates: [id.certificate, ...id.chainDer.map((der) => new X509Certificate(der))] } },
    privateKey: { ok: true, value: { label: `PKCS#11 key ${token.uri} (stays on the token; it signed a test message)`, key: token.publicKey } },
    keyFromCertificate: isToken(certificate) && req.privateKey === undefined,
  };
}

function redactedUri(uri: string): string {
  return uri.replace(/([?&]pin-value=)[^&]*/gi, "$1***");
}

async function certificateOnly(certificate: IdentityInput, io: IdentityIo): Promise<Outcome<CertificateBundle>> {
  return attempt(async () => ({ label: sourceLabel(certificate), certificates: (await loadCertificates(certificate, io)).map((c) => c.certificate) }));
}

async function gatherCertificateAndKey(req: DoctorRequest["identity"], io: IdentityIo): Promise<IdentityFacts> {
  if (isToken(req.certificate) || isToken(req.privateKey)) return gatherFromToken(req, io);
  const { passphrase } = req;
  const certificate = req.certificate as IdentityInput | undefined;
  const privateKey = req.privateKey as IdentityInput | undefined;
  const keyFromFlag = async (): Promise<Outcome<KeyMaterial> | undefined> =>
    privateKey === undefined
      ? undefined
      : attempt(async () => ({ label: sourceLabel(privateKey), key: (await loadPrivateKey(privateKey, passphrase, io)).key }));
  if (certificate === undefined) return { ...optional("privateKey", await keyFromFlag()) };

  const label = sourceLabel(certificate);
  let contents;
  try {
    const resolved = await resolveSource(certificate, "certificate", io);
    contents = readBundle(resolved.bytes, resolved.origin);
  } catch (err) {
    return { certificate: { ok: false, problem: toProblem(err) }, ...optional("privateKey", await keyFromFlag()) };
  }

  if (contents.kind === "pkcs12") {
    // A PKCS#12 file carries its key and chain: open it the way the credential commands do.
    const opened = await attempt(() => loadIdentity({ certificate, ...(passphrase !== undefined ? { passphrase } : {}) }, io));
    if (!opened.ok) return { certificate: opened };
    const id = opened.value;
    const certificates = [id.certificate, ...id.chainDer.map((der) => new X509Certificate(der))];
    const facts: IdentityFacts = { certificate: { ok: true, value: { label: `${label} (PKCS#12)`, certificates } }, keyFromCertificate: true };
    facts.privateKey =
      privateKey === undefined
        ? { ok: true, value: { label: `${label} (PKCS#12)`, key: id.privateKey } }
        : {
            ok: false,
            problem: {
              message: `private key (${sourceLabel(privateKey)}): a PKCS#12 file holds its own private key, so a private key cannot be given with it`,
              hint: "leave out --private-key",
            },
          };
    return facts;
  }

  const facts: IdentityFacts = { certificate: { ok: true, value: { label, certificates: contents.certificates } } };
  if (privateKey !== undefined) {
    facts.privateKey = await keyFromFlag();
  } else if (contents.hasPrivateKey) {
    facts.privateKey = await attempt(async () => ({ label, key: (await loadPrivateKey(certificate, passphrase, io)).key }));
    facts.keyFromCertificate = true;
  }
  return facts;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

async function gatherTrustAnchor(path: string): Promise<Outcome<CertificateBundle>> {
  const label = `--trust-anchor-cert file ${path}`;
  return attempt(async () => {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw Object.assign(new Error(`trust anchor certificate (${label}): cannot read the file (${code})`), {
        hint: "give the path of the PEM file of the CA certificate(s) uploaded to the trust anchor",
      });
    }
    const contents = readBundle(bytes, { what: "certificate", label });
    if (contents.kind !== "certificates") {
      throw Object.assign(new Error(`trust anchor certificate (${label}): is not PEM or DER certificates`), {
        hint: "give the PEM bundle uploaded to the trust anchor (x509CertificateData)",
      });
    }
    return { label: `file ${path}`, certificates: contents.certificates };
  });
}

async function gatherCaBundle(path: string): Promise<Outcome<{ path: string; count: number }>> {
  return attempt(async () => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw Object.assign(new Error(`AWS_CA_BUNDLE: cannot read '${path}' (${code})`), {
        hint: "point AWS_CA_BUNDLE at a readable PEM file of CA certificates, or unset it",
      });
    }
    const count = text.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
    if (count === 0) {
      throw Object.assign(new Error(`AWS_CA_BUNDLE: '${path}' holds no PEM certificate`), {
        hint: "AWS_CA_BUNDLE must be a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks",
      });
    }
    return { path, count };
  });
}

/**
 * Gathers every offline fact: identity sources (each loaded on its own, so
 * every broken one is reported), trust anchor bundle, AWS_CA_BUNDLE, the
 * relevant environment variables and the time.
 * @public
 */
export async function gatherOfflineFacts(req: DoctorRequest, opts: GatherOptions): Promise<DoctorFacts> {
  const io: IdentityIo = { ...(opts.io ?? {}), env: opts.env };
  const env: Record<string, string | undefined> = {};
  for (const name of DOCTOR_ENV_VARS) if (opts.env[name] !== undefined) env[name] = opts.env[name];

  const [identity, intermediates, trustAnchor] = await Promise.all([
    gatherCertificateAndKey(req.identity, io),
    req.identity.intermediates === undefined
      ? Promise.resolve(undefined)
      : attempt(async () => ({
          label: sourceLabel(req.identity.intermediates!),
          certificates: (await loadCertificates(req.identity.intermediates!, io)).map((c) => c.certificate),
        })),
    req.trustAnchorCertPath === undefined ? Promise.resolve(undefined) : gatherTrustAnchor(req.trustAnchorCertPath),
  ]);
  const caPath = env.AWS_CA_BUNDLE?.trim();

  const facts: DoctorFacts = {
    now: (opts.clock ?? systemClock).now(),
    settings: req.settings,
    env,
    ...identity,
  };
  if (intermediates) facts.intermediates = intermediates;
  if (trustAnchor) facts.trustAnchor = trustAnchor;
  if (caPath) facts.caBundle = await gatherCaBundle(caPath);
  return facts;
}
