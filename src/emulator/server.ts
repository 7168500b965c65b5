import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { resolve } from "node:path";
import { systemClock, type Clock } from "../clock.js";
import { ConfigError, RolesAnywhereError } from "../errors.js";
import type { AuditEntry, MintedCredentials } from "./types.js";
import { AuditSink } from "./audit.js";
import { CertCache } from "./cert-cache.js";
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION, loadConfigFile, quickConfig, resolveConfig, type EmulatorConfig, type QuickConfigOptions } from "./config.js";
import { partitionOf } from "./arn.js";
import { createSession, type CredentialMinter } from "./create-session.js";
import { CredentialStore } from "./credential-store.js";
import { groupRawHeaders } from "./sigv4x509-verify.js";
import { EmulatorState, type ProfileSummary, type TrustAnchorSummary } from "./state.js";
import { createStsHandler } from "./sts/handler.js";
import { ChainValidator } from "./validate-chain.js";
import { writeJson, writeJsonError, writeXmlError } from "./wire.js";
import { handleManagement, isManagementPath, type AdminCredentials } from "./management/handler.js";
import { RequestQuota } from "./quota.js";
import { loadStateFile, StateSaver } from "./state-file.js";
import { answerIdp, isSamlIdpPath, samlIdpPath } from "./saml/idp.js";
import type { SamlIdpIdentity } from "./saml/idp-identity.js";

/** Largest request body accepted (bytes); larger bodies get 413. @public */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest request header block accepted by the server (bytes). Chains of 5 RSA-4096 certificates fit. @public */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Beyond this many body bytes the emulator stops reading and closes the connection. */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/** Handles one STS query request whose body has been read. @internal */
export type StsRequestHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

/** What the request handler needs; `createEmulatorHandler` binds no socket. @public */
export interface EmulatorHandlerDeps {
  state: EmulatorState;
  store: CredentialMinter;
  clock?: Clock;
  /** Allowed distance between X-Amz-Date and the clock, seconds; default 300. */
  clockSkewSeconds?: number;
  /** Receives one entry per request. */
  audit: (e: AuditEntry) => void;
  /** The STS query API handler (POST /); without it STS requests get 404. */
  sts?: StsRequestHandler;
  /** The management API (REST-JSON, SigV4 with these credentials); without it those paths get 404. */
  admin?: AdminCredentials;
  /** Looks up credentials CreateSession minted (the management API refuses them with AccessDeniedException). */
  minted?: (accessKeyId: string) => MintedCredentials | undefined;
  /** CreateSession quota (429 ThrottlingException above it). */
  quota?: RequestQuota;
  /** Hold every answer this many milliseconds (a region's round trip, for benchmarks). */
  latencyMs?: number;
  /** The emulated SAML IdP's base URL (the endpoint); without it the IdP paths get 404. */
  samlIdpEndpoint?: () => string;
}

interface BodyResult {
  body: Buffer;
  tooLarge: boolean;
  /** The client declared or sent so much that the connection should be closed after answering. */
  closeAfter: boolean;
  aborted: boolean;
}

function readBody(req: IncomingMessage, limit: number, contentLength: string | undefined): Promise<BodyResult> {
  return new Promise((resolveBody) => {
    const declared = Number(contentLength ?? "0");
    if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) {
      req.pause();
      resolveBody({ body: Buffer.alloc(0), tooLarge: true, closeAfter: true, aborted: false });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      resolveBody(r);
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) {
        req.pause();
        finish({ body: Buffer.alloc(0), tooLarge: true, closeAfter: true, aborted: false });
      }
    });
    req.on("end", () => finish({ body: size > limit ? Buffer.alloc(0) : Buffer.concat(chunks, size), tooLarge: size > limit, closeAfter: false, aborted: false }));
    req.on("error", () => finish({ body: Buffer.alloc(0), tooLarge: false, closeAfter: true, aborted: true }));
    req.on("aborted", () => finish({ body: Buffer.alloc(0), tooLarge: false, closeAfter: true, aborted: true }));
  });
}

function looksLikeSts(path: string, rawQuery: string, contentType: string, body: Buffer): boolean {
  if (path === "/") return true;
  if (/(^|&)Action=/.test(rawQuery)) return true;
  if (contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) return /(^|&)Action=/.test(body.toString("latin1"));
  return false;
}

/**
 * The emulator's request listener: `POST /sessions` → CreateSession, STS-looking
 * requests (`/`, or a form body / query with `Action=`) → the STS handler,
 * anything else → 404. Bodies over 64 KiB → 413. Every answer is in the wire
 * format of the API it looks like, and every request gets one audit entry
 * (the STS handler writes its own).
 * @public
 */
export function createEmulatorHandler(deps: EmulatorHandlerDeps): RequestListener {
  const clock = deps.clock ?? systemClock;
  const sessionDeps = {
    state: deps.state,
    store: deps.store,
    clock,
    clockSkewSeconds: deps.clockSkewSeconds ?? 300,
    validator: new ChainValidator(),
    certs: new CertCache(),
  };
  const auditOf = (
    operation: AuditEntry["operation"],
    requestId: string,
    status: number,
    extra: Partial<AuditEntry> = {},
  ): void => {
    deps.audit({
      time: new Date(clock.now()).toISOString(),
      operation,
      outcome: status < 300 ? "success" : "failure",
      status,
      requestId,
      ...extra,
    });
  };

  return (req, res) => {
    const requestId = randomUUID();
    const url = req.url ?? "/";
    const qi = url.indexOf("?");
    const path = qi >= 0 ? url.slice(0, qi) : url;
    const rawQuery = qi >= 0 ? url.slice(qi + 1) : "";
    const method = req.method ?? "GET";
    // Grouped once from rawHeaders (reading req.headers would build a second header object per request).
    const headers = groupRawHeaders(req.rawHeaders);
    const contentType = headers.get("content-type")?.[0] ?? "";

    void readBody(req, MAX_BODY_BYTES, headers.get("content-length")?.[0]).then(async ({ body, tooLarge, closeAfter, aborted }) => {
      if (aborted) return;
      if (deps.latencyMs) await new Promise((r) => setTimeout(r, deps.latencyMs));
      if (closeAfter) res.setHeader("connection", "close");
      const isSessions = path === "/sessions";
      const isSts = !isSessions && looksLikeSts(path, rawQuery, contentType, body);
      try {
        if (tooLarge) {
          const message = `Request body is larger than ${MAX_BODY_BYTES} bytes.`;
          if (isSts) writeXmlError(res, 413, requestId, "RequestEntityTooLarge", message);
          else writeJsonError(res, 413, requestId, "ValidationException", message);
          auditOf(isSessions ? "CreateSession" : "Unknown", requestId, 413, { errorCode: "RequestEntityTooLarge", reason: message });
        } else if (isSessions) {
          if (method !== "POST") {
            res.setHeader("allow", "POST");
            const message = `CreateSession is POST /sessions, not ${method}.`;
            auditOf("Unknown", requestId, 405, { errorCode: "MethodNotAllowedException", reason: message });
            writeJsonError(res, 405, requestId, "MethodNotAllowedException", message);
          } else if (deps.quota && !deps.quota.take(deps.state.accountId, deps.state.region, clock.now())) {
            const reason = `over the CreateSession quota of ${deps.quota.tps} per second (burst ${deps.quota.burst})`;
            auditOf("CreateSession", requestId, 429, { errorCode: "ThrottlingException", reason });
            writeJsonError(res, 429, requestId, "ThrottlingException", "Rate exceeded");
          } else {
            const out = await createSession(sessionDeps, { method, path, rawQuery, headers, body });
            auditOf("CreateSession", requestId, out.status, out.audit);
            writeJson(res, out.status, requestId, out.body, out.errorType);
          }
        } else if (isSamlIdpPath(path) && deps.state.saml && deps.samlIdpEndpoint) {
          const out = answerIdp(deps.state.saml, { method, path, rawQuery, body, contentType }, { endpoint: deps.samlIdpEndpoint(), now: clock.now() });
          auditOf(out.audit.operation, requestId, out.status, pickIdpAudit(out.audit));
          res.writeHead(out.status, { ...out.headers, "content-length": Buffer.byteLength(out.body), "x-amzn-RequestId": requestId });
          res.end(out.body);
        } else if (deps.admin && isManagementPath(path)) {
          const out = handleManagement(
            { state: deps.state, now: () => clock.now(), admin: deps.admin, clockSkewSeconds: deps.clockSkewSeconds ?? 300, ...(deps.minted ? { minted: deps.minted } : {}) },
            { method, path, rawQuery, headers, body },
          );
          if (out === undefined) {
            const message = `No operation at ${method} ${path.slice(0, 200)}.`;
            auditOf("Unknown", requestId, 404, { errorCode: "UnknownOperationException", reason: message });
            writeJsonError(res, 404, requestId, "UnknownOperationException", message);
          } else {
            const extra: Partial<AuditEntry> = {};
            if (out.errorType) extra.errorCode = out.errorType;
            if (out.reason) extra.reason = out.reason;
            if (out.accessKeyId) extra.accessKeyId = out.accessKeyId;
            auditOf(out.operation, requestId, out.status, extra);
            writeJson(res, out.status, requestId, out.body, out.errorType);
          }
        } else if (isSts && deps.sts) {
          await deps.sts(req, res, body);
        } else {
          const message = `No operation at ${method} ${path.slice(0, 200)}.`;
          auditOf("Unknown", requestId, 404, { errorCode: "UnknownOperationException", reason: message });
          writeJsonError(res, 404, requestId, "UnknownOperationException", message);
        }
      } catch (err) {
        // A bug, not bad input: say so honestly (500) and keep serving.
        const reason = `internal error: ${(err as Error)?.message ?? String(err)}`;
        if (!res.headersSent) {
          if (isSts) writeXmlError(res, 500, requestId, "InternalFailure", "The emulator failed to process the request.");
          else writeJsonError(res, 500, requestId, "InternalServerException", "The emulator failed to process the request.");
        } else if (!res.writableEnded) res.end();
        auditOf(isSessions ? "CreateSession" : "Unknown", requestId, 500, { errorCode: "InternalFailure", reason });
      }
    });
  };
}

function pickIdpAudit(a: Partial<AuditEntry>): Partial<AuditEntry> {
  const out: Partial<AuditEntry> = {};
  if (a.errorCode !== undefined) out.errorCode = a.errorCode;
  if (a.reason !== undefined) out.reason = a.reason;
  if (a.principal !== undefined) out.principal = a.principal;
  return out;
}

/**
 * Random bytes from the CSPRNG, drawn in 16 KiB blocks: minting takes three
 * small random strings per session, and one getrandom per block instead of per
 * string keeps CreateSession fast.
 */
function pooledRandom(): (n: number) => Buffer {
  const BLOCK = 16 * 1024;
  let pool = Buffer.alloc(0);
  let at = 0;
  return (n) => {
    if (n > BLOCK) return randomBytes(n);
    if (at + n > pool.length) {
      pool = randomBytes(BLOCK);
      at = 0;
    }
    const out = Buffer.from(pool.subarray(at, at + n));
    pool.fill(0, at, at + n);
    at += n;
    return out;
  };
}

/** Why listen failed, in words (with the system code). */
function listenWhy(err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    EADDRINUSE: "address already in use",
    EADDRNOTAVAIL: "address not available on this machine",
    EACCES: "permission denied",
    ENOTFOUND: "host name not found",
    EAI_AGAIN: "host name not found",
  };
  return err.code ? (words[err.code] ? `${words[err.code]} (${err.code})` : err.code) : err.message;
}

/** Options of startEmulator. Give `config` or `trustAnchorCertPem` (quick mode). @public */
export interface StartEmulatorOptions {
  /** A config object (contract.md §5; relative paths against the working directory) or the path of a JSON config file. */
  config?: EmulatorConfig | string;
  /** Quick mode: PEM of the trust anchor certificate; makes one trust anchor, one profile and one role. */
  trustAnchorCertPem?: string;
  /** Quick mode: the role ARN (default arn:aws:iam::<account>:role/rolesanywhere-emulator). */
  roleArn?: string;
  /** Quick mode: region (default us-east-1). */
  region?: string;
  /** Quick mode: account id (default the role ARN's, else 123456789012). */
  accountId?: string;
  /** Quick mode: profile settings (quick mode accepts roleSessionName by default). */
  quickProfile?: QuickConfigOptions["profile"];
  /** Quick mode: the role's maxSessionDuration (default 3600). */
  maxSessionDuration?: number;
  /** Quick mode: a SAML provider, an emulated IdP with this user, and the role trusting the provider. */
  samlUser?: { name: string; password: string };
  /** Quick mode with samlUser: the IdP's signing identity (default: generated). */
  samlIdpIdentity?: SamlIdpIdentity;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (pick a free port). */
  port?: number;
  clock?: Clock;
  /** A file to append JSON lines to, or a callback; entries are also kept in memory. */
  auditLog?: string | ((e: AuditEntry) => void);
  /** Allowed X-Amz-Date skew in seconds, default 300. */
  clockSkewSeconds?: number;
  /** Random source for minted credentials (tests). */
  random?: (n: number) => Buffer;
  /** Cap, in seconds, on the lifetime of every credential minted (CreateSession and STS): short sessions for tests of refresh and expiry. */
  credentialLifetimeSeconds?: number;
  /** Start with no resources at all (the management API creates them); region and accountId apply. */
  empty?: boolean;
  /**
   * Keep every resource in this JSON file across restarts (atomic writes). When it exists it is
   * loaded and `config`/quick mode are ignored; otherwise they seed it.
   */
  statePath?: string;
  /** Credentials of the management API (default: random ones, shown as `admin` on the result). */
  adminCredentials?: AdminCredentials;
  /** Serve HTTPS: `"generate"` makes a local CA and a loopback server certificate (its CA as `caCertPem`), or give PEM texts. */
  tls?: "generate" | { certPem: string; keyPem: string };
  /** Hold every answer this many milliseconds. */
  latencyMs?: number;
  /** CreateSession quota in requests per second per account and Region (token bucket, burst = tps); default off. */
  tps?: number;
  /** Told about every audit entry (besides `auditLog`). */
  onAudit?: (e: AuditEntry) => void;
  /** Told about problems that do not stop the emulator (a state file that cannot be saved). */
  onWarning?: (message: string) => void;
}

/** A running emulator. @public */
export interface RunningEmulator {
  /** `http://127.0.0.1:<port>` or `https://…` (no trailing slash). */
  endpoint: string;
  /** Management API credentials (SigV4, service rolesanywhere). */
  admin: AdminCredentials;
  /** With `tls: "generate"`: PEM of the CA that issued the server certificate (for AWS_CA_BUNDLE). */
  caCertPem?: string;
  host: string;
  port: number;
  region: string;
  accountId: string;
  /** The sign-on URL of the first SAML provider the emulator plays the IdP for (absent without one). */
  samlIdpUrl?: string;
  /** That provider's ARN (absent without one). */
  samlProviderArn?: string;
  /** The first trust anchor, profile and role (of the first profile); "" when there is none. */
  trustAnchorArn: string;
  profileArn: string;
  roleArn: string;
  trustAnchors: TrustAnchorSummary[];
  profiles: ProfileSummary[];
  /** Audit entries of this run, oldest first (the last 10000). */
  audit: AuditEntry[];
  state: EmulatorState;
  close(): Promise<void>;
}

function resolveStartConfig(opts: StartEmulatorOptions) {
  if (opts.empty) {
    if (opts.config !== undefined || opts.trustAnchorCertPem !== undefined) {
      throw new ConfigError("emulator: empty conflicts with a config or a trust anchor certificate", { hint: "drop one of them" });
    }
    const accountId = opts.accountId ?? DEFAULT_ACCOUNT_ID;
    const region = opts.region ?? DEFAULT_REGION;
    if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`emulator: account id must be 12 digits, not ${JSON.stringify(accountId)}`);
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new ConfigError(`emulator: not a region name: ${JSON.stringify(region)}`);
    return { accountId, region, partition: partitionOf(region), trustAnchors: [], profiles: [], roles: [] };
  }
  if (opts.config !== undefined && opts.trustAnchorCertPem !== undefined) {
    throw new ConfigError("emulator: give a config or a trust anchor certificate (quick mode), not both", {
      hint: "put the trust anchor in the config file, or drop the config",
    });
  }
  if (opts.config !== undefined) {
    for (const k of ["roleArn", "region", "accountId", "quickProfile", "maxSessionDuration", "samlUser"] as const) {
      if (opts[k] !== undefined) {
        throw new ConfigError(`emulator: ${k} is a quick-mode option and conflicts with a config`, { hint: "set it in the config instead" });
      }
    }
    return typeof opts.config === "string"
      ? loadConfigFile(opts.config)
      : resolveConfig(opts.config, { baseDir: resolve("."), source: "the config object" });
  }
  if (opts.trustAnchorCertPem === undefined) {
    throw new ConfigError("emulator: no trust anchor: give a config or a trust anchor certificate", {
      hint: "use --config FILE or --trust-anchor-cert PEM",
    });
  }
  const quick: QuickConfigOptions = { trustAnchorCertPem: opts.trustAnchorCertPem };
  if (opts.roleArn !== undefined) quick.roleArn = opts.roleArn;
  if (opts.region !== undefined) quick.region = opts.region;
  if (opts.accountId !== undefined) quick.accountId = opts.accountId;
  if (opts.quickProfile !== undefined) quick.profile = opts.quickProfile;
  if (opts.maxSessionDuration !== undefined) quick.maxSessionDuration = opts.maxSessionDuration;
  if (opts.samlUser !== undefined) {
    if (!opts.samlIdpIdentity) throw new ConfigError("emulator: samlUser needs samlIdpIdentity (startEmulator makes one)");
    quick.saml = { user: opts.samlUser.name, password: opts.samlUser.password, ...opts.samlIdpIdentity };
  }
  return resolveConfig(quickConfig(quick), { baseDir: resolve("."), source: "quick mode" });
}

/**
 * Builds the emulator's resources from the config part of the start options
 * (`config`, or quick mode), for use with createEmulatorHandler.
 * @public
 */
export function createEmulatorState(opts: StartEmulatorOptions): EmulatorState {
  const now = opts.clock ? () => opts.clock!.now() : undefined;
  if (opts.statePath !== undefined) {
    const saved = loadStateFile(opts.statePath, now);
    if (saved) return saved;
  }
  return new EmulatorState(resolveStartConfig(opts), now ? { now } : {});
}

/** Random admin credentials: an AKIA… key id and a 40-character secret. */
function randomAdminCredentials(): AdminCredentials {
  const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const pick = (alphabet: string, n: number) => [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
  return { accessKeyId: "AKIA" + pick(b32, 16), secretAccessKey: pick(alnum, 40) };
}

/**
 * Starts the emulator on `host:port` (default 127.0.0.1:0) and resolves once it
 * listens. Config errors throw ConfigError naming the key.
 * @public
 */
export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  if (opts.tps !== undefined && !(opts.tps > 0)) throw new ConfigError(`emulator: tps must be a positive number, not ${opts.tps}`);
  if (opts.latencyMs !== undefined && !(opts.latencyMs >= 0 && opts.latencyMs <= 60_000)) {
    throw new ConfigError(`emulator: latency must be 0-60000 ms, not ${opts.latencyMs}`);
  }
  if (opts.samlUser !== undefined && opts.samlIdpIdentity === undefined && opts.config === undefined) {
    const { generateSamlIdpIdentity } = await import("./saml/idp-identity.js");
    opts = { ...opts, samlIdpIdentity: await generateSamlIdpIdentity((opts.clock ?? systemClock).now()) };
  }
  const state = createEmulatorState(opts);
  const clock = opts.clock ?? systemClock;
  const saver = opts.statePath !== undefined ? new StateSaver(state, opts.statePath, (m) => opts.onWarning?.(m)) : undefined;
  saver?.flush();
  const callbacks = [typeof opts.auditLog === "function" ? opts.auditLog : undefined, opts.onAudit].filter((f) => f !== undefined);
  const sink = new AuditSink({
    ...(typeof opts.auditLog === "string" ? { file: opts.auditLog } : {}),
    ...(callbacks.length > 0 ? { callback: (e: AuditEntry) => callbacks.forEach((f) => f(e)) } : {}),
  });
  const admin = opts.adminCredentials ?? randomAdminCredentials();
  const generated = opts.tls === "generate" ? await import("./tls.js").then((m) => m.generateLoopbackTls(clock.now())) : undefined;
  const tls = generated ?? (opts.tls === "generate" ? undefined : opts.tls);
  const store = new CredentialStore({
    random: opts.random ?? pooledRandom(),
    ...(opts.credentialLifetimeSeconds !== undefined ? { maxLifetimeSeconds: opts.credentialLifetimeSeconds } : {}),
  });
  const audit = (e: AuditEntry): void => sink.write(e);
  const sts = createStsHandler({
    store,
    clock,
    region: state.region,
    roles: (arn) => state.emulatorRole(arn),
    audit,
    saml: () => state.saml,
    accountId: state.accountId,
    ...(opts.clockSkewSeconds !== undefined ? { maxClockSkewSeconds: opts.clockSkewSeconds } : {}),
  });
  let endpointUrl = "";
  const handler = createEmulatorHandler({
    samlIdpEndpoint: () => endpointUrl,
    state,
    store,
    clock,
    audit,
    sts,
    admin,
    minted: (k) => store.get(k),
    ...(opts.tps !== undefined ? { quota: new RequestQuota(opts.tps) } : {}),
    ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.clockSkewSeconds !== undefined ? { clockSkewSeconds: opts.clockSkewSeconds } : {}),
  });
  const server = tls
    ? (await import("node:https")).createServer({ maxHeaderSize: MAX_HEADER_BYTES, cert: tls.certPem, key: tls.keyPem }, handler)
    : createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler);
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const requestId = randomUUID();
    const message = status === 431 ? `Request headers are larger than ${MAX_HEADER_BYTES} bytes.` : "Malformed HTTP request.";
    const body = JSON.stringify({ message });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-amzn-ErrorType: ValidationException\r\nx-amzn-RequestId: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
    audit({
      time: new Date(clock.now()).toISOString(),
      operation: "Unknown",
      outcome: "failure",
      status,
      requestId,
      errorCode: "ValidationException",
      reason: message,
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((ok, fail) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      sink.close();
      saver?.close();
      fail(
        new RolesAnywhereError("IO", `emulator: cannot listen on ${host}:${opts.port ?? 0}: ${listenWhy(err)}`, {
          cause: err,
          hint: err.code === "EADDRINUSE" ? "pick another --port, or 0 for a free one" : "check --host and --port",
        }),
      );
    });
    server.listen(opts.port ?? 0, host, () => {
      server.removeAllListeners("error");
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  endpointUrl = endpoint;
  const trustAnchors = state.trustAnchors();
  const profiles = state.profiles();
  const idp = state.saml?.providers.find((p) => p.privateKeyPem !== undefined);
  let closed: Promise<void> | undefined;
  return {
    endpoint,
    admin,
    ...(generated ? { caCertPem: generated.caCertPem } : {}),
    host,
    port,
    region: state.region,
    accountId: state.accountId,
    trustAnchorArn: trustAnchors[0]?.arn ?? "",
    profileArn: profiles[0]?.arn ?? "",
    roleArn: profiles[0]?.roleArns[0] ?? "",
    ...(idp ? { samlIdpUrl: endpoint + samlIdpPath(idp.name), samlProviderArn: idp.arn } : {}),
    trustAnchors,
    profiles,
    audit: sink.entries,
    state,
    close() {
      closed ??= new Promise<void>((done) => {
        server.close(() => {
          sink.close();
          saver?.close();
          done();
        });
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

