/**
 * Helpers for the CreateSession client's integration tests: openssl-made
 * identities, a recording HTTP server, a forward/CONNECT proxy, and a SigV4-X509
 * verifier written from protocol.md (independent of src/signer).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, verify, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect as netConnect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { Clock } from "../../../src/clock.js";
import { CreateSessionError } from "../../../src/errors.js";
import { createKeySigner } from "../../../src/signer/key-signer.js";
import type { SessionIdentity } from "../../../src/session/create-session.js";

/** ARNs of one trust anchor, profile and role (us-east-1), for requests to local servers. */
export const ARNS = {
  trustAnchorArn: "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/66666666-7777-8888-9999-000000000000",
  profileArn: "arn:aws:rolesanywhere:us-east-1:123456789012:profile/11111111-2222-3333-4444-555555555555",
  roleArn: "arn:aws:iam::210987654321:role/ExampleRole",
};

/** A clock that moves one second forward at every read. */
export function steppingClock(start = Date.UTC(2024, 6, 6, 14, 30, 4)): Clock {
  let t = start - 1000;
  return { now: () => (t += 1000) };
}

/** The CreateSessionError `p` rejects with (fails the test if it resolves or rejects with anything else). */
export async function failure(p: Promise<unknown>): Promise<CreateSessionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CreateSessionError);
    return e as CreateSessionError;
  }
  throw new Error("expected a CreateSessionError");
}

export const hasOpenssl = spawnSync("openssl", ["version"], { stdio: "ignore" }).status === 0;

export interface TestIdentity extends SessionIdentity {
  certificateDer: Buffer;
  certificate: X509Certificate;
  certPem: string;
  keyPem: string;
}

/** A self-signed client certificate and key made by `openssl req -x509`. */
export function opensslIdentity(kind: "ec" | "rsa", cn = "session-test"): TestIdentity {
  const dir = mkdtempSync(join(tmpdir(), "session-id-"));
  try {
    const keyArgs = kind === "ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", "rsa:2048"];
    execFileSync(
      "openssl",
      ["req", "-x509", ...keyArgs, "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-subj", `/CN=${cn}`, "-days", "2",
        "-addext", "keyUsage=critical,digitalSignature", "-addext", "basicConstraints=critical,CA:FALSE"],
      { stdio: "ignore" },
    );
    const certPem = readFileSync(join(dir, "c.pem"), "utf8");
    const keyPem = readFileSync(join(dir, "k.pem"), "utf8");
    const certificate = new X509Certificate(certPem);
    return {
      certificate,
      certPem,
      keyPem,
      certificateDer: certificate.raw,
      chainDer: [],
      serialDecimal: BigInt(`0x${certificate.serialNumber}`).toString(10),
      signer: createKeySigner(createPrivateKey(keyPem)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A TLS server certificate for 127.0.0.1 (self-signed, so it is its own CA). */
export function opensslServerCert(subjectAltName = "IP:127.0.0.1", commonName = "127.0.0.1"): { certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), "session-tls-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"),
        "-subj", `/CN=${commonName}`, "-days", "2", "-addext", `subjectAltName=${subjectAltName}`, "-addext", "basicConstraints=critical,CA:TRUE"],
      { stdio: "ignore" },
    );
    return { certPem: readFileSync(join(dir, "c.pem"), "utf8"), keyPem: readFileSync(join(dir, "k.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Recorded {
  method: string;
  /** The request target exactly as received. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Reply = (req: Recorded, res: ServerResponse) => void;

export interface TestServer {
  url: string;
  port: number;
  requests: Recorded[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** An HTTP (or HTTPS) server on 127.0.0.1:0 answering each request with the next reply (the last one repeats). */
export async function startServer(replies: Reply[], tls?: { certPem: string; keyPem: string }): Promise<TestServer> {
  const requests: Recorded[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec: Recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const reply = replies[Math.min(requests.length, replies.length - 1)]!;
      requests.push(rec);
      reply(rec, res);
    });
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler) : createServer(handler);
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return { url: `${tls ? "https" : "http"}://127.0.0.1:${port}`, port, requests, close: () => closeServer(server, sockets) };
}

/** A reply with a JSON body and headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

/** A reply that never comes. */
export const never: Reply = () => undefined;

export const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz";
export const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-SESSION-TOKEN-zz";

/** A 201 CreateSession body in the real shape. */
export function successBody(roleArn: string, expiration = "2030-01-01T01:00:00Z"): unknown {
  const account = roleArn.split(":")[4];
  return {
    credentialSet: [
      {
        assumedRoleUser: { arn: `arn:aws:sts::${account}:assumed-role/demo/session`, assumedRoleId: "AROAEXAMPLEROLEID:session" },
        credentials: { accessKeyId: "ASIAEXAMPLEACCESSKEY", expiration, secretAccessKey: SECRET_ACCESS_KEY, sessionToken: SESSION_TOKEN },
        packedPolicySize: 10,
        roleArn,
        sourceIdentity: "CN=session-test",
      },
    ],
    subjectArn: `arn:aws:rolesanywhere:us-east-1:${account}:subject/11111111-2222-3333-4444-555555555555`,
  };
}

export interface ForwardProxy {
  url: string;
  /** Request lines seen: "POST http://host/path" or "CONNECT host:port". */
  seen: string[];
  close(): Promise<void>;
}

/** A tiny HTTP proxy: absolute-form requests are forwarded, CONNECT is tunnelled. */
export async function startProxy(): Promise<ForwardProxy> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (!req.url?.startsWith("http://")) {
      res.writeHead(400).end("absolute-form required");
      return;
    }
    const target = new URL(req.url);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? "").split(":");
    const up = netConnect(Number(port), host!, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on("error", () => client.destroy());
    client.on("error", () => up.destroy());
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => closeServer(server, sockets) };
}

/**
 * `url` with its 127.0.0.1 host written as 0.0.0.0: on Linux a connection to
 * 0.0.0.0 reaches this machine's listeners as loopback does, but 0.0.0.0 is not a
 * loopback name, so the proxy rules apply to it (a loopback endpoint never goes
 * through a proxy). No DNS, no traffic off the machine.
 */
export function notLoopbackName(url: string): string {
  return url.replace("//127.0.0.1:", "//0.0.0.0:");
}

/** A port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---- Independent SigV4-X509 verification, from protocol.md §1.3-§1.6 ----

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface VerifiedRequest {
  algorithm: string;
  amzDate: string;
  credential: string;
  signedHeaders: string[];
  canonicalRequest: string;
  stringToSign: string;
  signatureHex: string;
  /** The query on the wire equals the canonical query. */
  wireQueryIsCanonical: boolean;
}

/** Rebuilds the canonical request and string to sign from what the server received, and checks the signature. */
export function verifyRecorded(rec: Recorded, publicCert: X509Certificate, expectedPath = "/sessions"): VerifiedRequest {
  const auth = String(rec.headers.authorization ?? "");
  const m = /^(AWS4-X509-(?:RSA|ECDSA)-SHA256) Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(auth);
  if (!m) throw new Error(`unexpected Authorization header: ${auth}`);
  const [, algorithm, credential, signedHeadersRaw, signatureHex] = m as unknown as [string, string, string, string, string];
  const [path, rawQuery = ""] = rec.url.split("?");
  if (path !== expectedPath) throw new Error(`unexpected path ${path}`);
  const pairs = rawQuery
    .split("&")
    .filter(Boolean)
    .map((p) => p.split("=").map((x) => decodeURIComponent(x)) as [string, string])
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as [string, string])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${v}`).join("&");
  const signedHeaders = signedHeadersRaw.split(";");
  const headerLines = signedHeaders.map((h) => {
    const v = rec.headers[h];
    if (v === undefined) throw new Error(`signed header ${h} missing`);
    return `${h}:${String(v).trim().replace(/\s+/g, " ")}\n`;
  });
  const bodyHash = createHash("sha256").update(rec.body).digest("hex");
  const canonicalRequest = [rec.method, path, canonicalQuery, headerLines.join(""), signedHeadersRaw, bodyHash].join("\n");
  const amzDate = String(rec.headers["x-amz-date"]);
  const scope = credential.split("/").slice(1).join("/");
  const stringToSign = [algorithm, amzDate, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  const ok = verify("sha256", Buffer.from(stringToSign), publicCert.publicKey, Buffer.from(signatureHex, "hex"));
  if (!ok) throw new Error("signature does not verify");
  return { algorithm, amzDate, credential, signedHeaders, canonicalRequest, stringToSign, signatureHex, wireQueryIsCanonical: rawQuery === canonicalQuery };
}
