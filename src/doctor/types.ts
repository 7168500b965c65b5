/**
 * Data types of `doctor`: the facts gathered from files, flags and the
 * environment (and the network with --online), and the checklist made from them.
 */
import type { KeyObject, X509Certificate } from "node:crypto";

/** How a check came out. `skip`: not checked, because something it needs is missing. @public */
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** One line of the checklist. @public */
export interface CheckResult {
  status: CheckStatus;
  /** What was checked, e.g. "key matches certificate". */
  check: string;
  /** What was found (pass), or what is wrong (fail, warn), or why it was not checked (skip). */
  detail: string;
  /** What to do (for fail, and warn when there is something to do). */
  fix?: string;
}

/** A failure to read or parse something, as the loaders reported it. @public */
export interface Problem {
  message: string;
  hint?: string;
  /** The error code (IdentityError, ConfigError, CreateSessionError…), when there is one. */
  code?: string;
}

/** A value that was obtained, or the problem met while obtaining it. @public */
export type Outcome<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** The certificates of one source (the certificate, the intermediates, the trust anchor bundle). @public */
export interface CertificateBundle {
  /** Where they came from, e.g. "file /x/client.pem". */
  label: string;
  /** In the order of the source. */
  certificates: X509Certificate[];
}

/** The private key, and where it came from. @public */
export interface KeyMaterial {
  label: string;
  /** The private key; for a key on a PKCS#11 token, its public key (the key itself stays there). */
  key: KeyObject;
}

/** The session flags as given (every one optional: missing ones become failed checks). @public */
export interface SessionSettings {
  trustAnchorArn?: string;
  profileArn?: string;
  roleArn?: string;
  region?: string;
  endpoint?: string;
  durationSeconds?: number;
  roleSessionName?: string;
  noVerifySsl?: boolean;
}

/** The CreateSession attempt of --online. @public */
export interface CreateSessionFacts {
  expiration: Date;
  accountId: string;
  roleArn: string;
  assumedRoleArn?: string;
}

/** The error of a failed CreateSession. @public */
export interface CreateSessionProblem extends Problem {
  /** HTTP status (0 when no answer came). */
  status?: number;
  /** AWS error type, e.g. AccessDeniedException. */
  awsCode?: string;
}

/** The endpoint's clock, read from its HTTP Date header. @public */
export interface DateProbe {
  /** The URL asked. */
  url: string;
  /** The Date header as received; undefined when the answer had none. */
  dateHeader?: string;
  /** Local clock (ms) when the request was sent and when the answer came. */
  sentAt: number;
  receivedAt: number;
}

/** What --online found; `skipped` says why a probe was not made. @public */
export interface OnlineFacts {
  clock: Outcome<DateProbe> | { skipped: string };
  createSession: { ok: true; value: CreateSessionFacts } | { ok: false; problem: CreateSessionProblem } | { skipped: string };
}

/**
 * Everything doctor judges, gathered beforehand, so that judging needs no
 * files, sockets or clock of its own.
 * @public
 */
export interface DoctorFacts {
  /** The time to judge validity at (ms since the epoch). */
  now: number;
  /** Undefined: --certificate was not given. */
  certificate?: Outcome<CertificateBundle>;
  /** Undefined: no key given and none found with the certificate. */
  privateKey?: Outcome<KeyMaterial>;
  /** Undefined: --intermediates not given. */
  intermediates?: Outcome<CertificateBundle>;
  /** Undefined: --trust-anchor-cert not given. */
  trustAnchor?: Outcome<CertificateBundle>;
  /** The certificate source also held the private key (combined PEM or PKCS#12). */
  keyFromCertificate?: boolean;
  settings: SessionSettings;
  /** The environment variables that matter (endpoints, FIPS, dual-stack, proxies, CA bundle). */
  env: Readonly<Record<string, string | undefined>>;
  /** AWS_CA_BUNDLE, when set: how many certificates it holds, or why it cannot be used. */
  caBundle?: Outcome<{ path: string; count: number }>;
  /** Undefined: --online not given. */
  online?: OnlineFacts;
}
