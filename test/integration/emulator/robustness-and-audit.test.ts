import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/server.js";
import type { AuditEntry } from "../../../src/emulator/types.js";
import { createIntermediateCa, createRootCa, issueClientCertificate, type IssuedCertificate } from "../../../src/pki/index.js";
import { inputFor, send, sendSigned, type RawResponse } from "./helpers.js";
import { independentSign } from "./independent-signer.js";

const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;

let dir: string;
let auditFile: string;
let emu: RunningEmulator;
let root: IssuedCertificate;
let inter: IssuedCertificate;
let leaf: IssuedCertificate;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "emu-robust-"));
  auditFile = join(dir, "audit.jsonl");
  root = await createRootCa();
  inter = await createIntermediateCa(root);
  leaf = await issueClientCertificate(inter, { subject: "CN=robust client,O=TEST" });
  emu = await startEmulator({ trustAnchorCertPem: root.certPem, auditLog: auditFile });
});
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const input = (over: Parameters<typeof inputFor>[3] = {}) =>
  inputFor(emu.endpoint, leaf, { trustAnchorArn: emu.trustAnchorArn, profileArn: emu.profileArn, roleArn: emu.roleArn }, { chainDer: [inter.certDer], ...over });

function expectJsonError(res: RawResponse, status: number, type: string, message: string | RegExp): void {
  expect(res.status, res.body).toBe(status);
  expect(res.headers["x-amzn-errortype"]).toBe(type);
  expect(res.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/);
  const body = JSON.parse(res.body) as { message: string };
  if (typeof message === "string") expect(body.message).toBe(message);
  else expect(body.message).toMatch(message);
}

/** Writes raw bytes on a fresh connection and returns everything the server sends back until it closes. */
function rawExchange(bytes: string | Buffer): Promise<string> {
  const u = new URL(emu.endpoint);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.write(bytes));
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    s.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" || e.code === "EPIPE" ? resolve(Buffer.concat(chunks).toString("utf8")) : reject(e)));
  });
}

describe("malformed requests get a 4xx in the wire format", () => {
  it("bad JSON body → 400 ValidationException", async () => {
    const b = independentSign({ ...input(), body: "{not json" });
    expectJsonError(await sendSigned(emu.endpoint, b), 400, "ValidationException", "Request body is not valid JSON.");
    const arr = independentSign({ ...input(), body: "[1,2]" });
    expectJsonError(await sendSigned(emu.endpoint, arr), 400, "ValidationException", "Request body must be a JSON object.");
  });

  it("deeply nested JSON in durationSeconds, roleSessionName or instanceProperties → 400 ValidationException with a short echo (never 500)", async () => {
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const bodies = [
      `{"durationSeconds":${deep}}`,
      `{"roleSessionName":${deep}}`,
      `{"instanceProperties":{"k":${deep}}}`,
      `{"instanceProperties":${deep}}`,
    ];
    for (const body of bodies) {
      const b = independentSign({ ...input(), body });
      const res = await sendSigned(emu.endpoint, b);
      expect(res.status, res.body.slice(0, 200)).toBe(400);
      expect(res.headers["x-amzn-errortype"]).toBe("ValidationException");
      const { message } = JSON.parse(res.body) as { message: string };
      expect(message).toMatch(/^1 validation error detected: Value '\[\[\[+…' at '[\w.]+' failed to satisfy constraint: /);
      expect(message.length).toBeLessThan(300);
    }
  });

  it("a large non-string value is echoed as a short prefix, not whole", async () => {
    const big = JSON.stringify({ durationSeconds: { pad: "z".repeat(60 * 1024) } });
    const res = await sendSigned(emu.endpoint, independentSign({ ...input(), body: big }));
    expect(res.status).toBe(400);
    const { message } = JSON.parse(res.body) as { message: string };
    expect(message).toBe(`1 validation error detected: Value '{"pad":"${"z".repeat(56)}…' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
    const small = await sendSigned(emu.endpoint, independentSign({ ...input(), body: JSON.stringify({ durationSeconds: [1, "a", { b: true }] }) }));
    expect(JSON.parse(small.body)).toEqual({
      message: `1 validation error detected: Value '[1,"a",{"b":true}]' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
    });
  });

  it("a body over 64 KiB → 413, JSON on /sessions and STS XML on /", async () => {
    const big = "x".repeat(70 * 1024);
    expectJsonError(await send(emu.endpoint, { path: "/sessions", body: big }), 413, "ValidationException", "Request body is larger than 65536 bytes.");
    const sts = await send(emu.endpoint, { path: "/", headers: { "content-type": "application/x-www-form-urlencoded" }, body: big });
    expect(sts.status).toBe(413);
    expect(sts.headers["content-type"]).toBe("text/xml");
    expect(sts.body).toMatch(/<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">[\s\S]*<Code>RequestEntityTooLarge<\/Code>/);
    const chunked = await send(emu.endpoint, { path: "/sessions", body: "y".repeat(200 * 1024), chunked: true });
    expect(chunked.status).toBe(413);
  });

  it("huge headers → 431 with a JSON error, and the server keeps serving", async () => {
    const reply = await rawExchange(`POST /sessions HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70 * 1024)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(reply).toMatch(/x-amzn-ErrorType: ValidationException/i);
    expect(reply).toContain('{"message":"Request headers are larger than 65536 bytes."}');
  });

  it("a chain of five RSA-size certificates fits in the headers", async () => {
    const padded = independentSign(input({ extraHeaders: { "x-padding": "p".repeat(20 * 1024) } }));
    expect((await sendSigned(emu.endpoint, padded)).status).toBe(201);
  });

  it("garbage on the wire → 400 JSON", async () => {
    const reply = await rawExchange("HELLO THERE\r\n\r\n");
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain('{"message":"Malformed HTTP request."}');
  });

  it("bad base64 or a non-certificate in X-Amz-X509 → 400", async () => {
    const b = independentSign(input());
    expectJsonError(await sendSigned(emu.endpoint, { ...b, headers: { ...b.headers, "x-amz-x509": "not*base64" } }), 400, "ValidationException", "X-Amz-X509 is not valid base64.");
    expectJsonError(
      await sendSigned(emu.endpoint, { ...b, headers: { ...b.headers, "x-amz-x509": Buffer.from("definitely not DER").toString("base64") } }),
      400,
      "ValidationException",
      "X-Amz-X509 is not a DER X.509 certificate.",
    );
    expectJsonError(
      await sendSigned(emu.endpoint, { ...b, headers: { ...b.headers, "x-amz-x509-chain": "AAAA,%%%%" } }),
      400,
      "ValidationException",
      "X-Amz-X509-Chain certificate 1 is not a DER X.509 certificate.",
    );
  });

  it("garbage Authorization → 403 AccessDeniedException", async () => {
    const b = independentSign(input());
    expectJsonError(
      await sendSigned(emu.endpoint, { ...b, headers: { ...b.headers, authorization: "AWS4-X509-ECDSA-SHA256 nonsense" } }),
      403,
      "AccessDeniedException",
      /^Malformed Authorization header: /,
    );
  });

  it("wrong method → 405 and unknown path → 404, both JSON", async () => {
    const get = await send(emu.endpoint, { method: "GET", path: "/sessions" });
    expectJsonError(get, 405, "MethodNotAllowedException", "CreateSession is POST /sessions, not GET.");
    expect(get.headers.allow).toBe("POST");
    expectJsonError(await send(emu.endpoint, { method: "DELETE", path: "/nope?x=1" }), 404, "UnknownOperationException", "No operation at DELETE /nope.");
  });

  it("bad percent-encoding in the query → 400", async () => {
    const b = independentSign(input());
    const res = await sendSigned(emu.endpoint, { ...b, path: b.path + "&x=%ZZ" });
    expectJsonError(res, 400, "ValidationException", "Malformed query string: bad percent-encoding");
  });

  it("answers 4xx (never 5xx) to a burst of junk, then still serves a valid request", async () => {
    const b = independentSign(input());
    const junk: Promise<RawResponse>[] = [];
    const mutations: ((h: Record<string, string>) => Record<string, string>)[] = [
      (h) => ({ ...h, "x-amz-date": "yesterday" }),
      (h) => ({ ...h, authorization: "" }),
      (h) => ({ ...h, authorization: h.authorization!.replace("Credential=", "Credential=/") }),
      (h) => ({ ...h, "x-amz-x509": "" }),
      (h) => ({ ...h, "x-amz-x509-chain": ",,,,,," }),
      (h) => ({ ...h, "x-amz-x509-chain": "====" }),
      (h) => ({ ...h, authorization: h.authorization!.replace(/Signature=[0-9a-f]+/, "Signature=xyz") }),
      (h) => ({ ...h, authorization: h.authorization!.replace(/Signature=[0-9a-f]+/, "Signature=") }),
    ];
    for (const m of mutations) junk.push(sendSigned(emu.endpoint, { ...b, headers: m(b.headers) }));
    for (const body of ["", "null", '{"durationSeconds":"3600"}', '{"instanceProperties":[1]}', '{"durationSeconds":1e400}', "\u0000\u0001"]) {
      junk.push(sendSigned(emu.endpoint, { ...b, body }));
    }
    const results = await Promise.all(junk);
    for (const r of results) {
      expect(r.status, r.body).toBeGreaterThanOrEqual(400);
      expect(r.status, r.body).toBeLessThan(500);
      expect(typeof (JSON.parse(r.body) as { message: unknown }).message).toBe("string");
    }
    expect((await sendSigned(emu.endpoint, independentSign(input()))).status).toBe(201);
  });
});

describe("audit log and STS with minted credentials", () => {
  it("writes one JSON line per request with the certificate facts and never a secret", async () => {
    const before = readFileSync(auditFile, "utf8").split("\n").filter(Boolean).length;
    const ok = await sendSigned(emu.endpoint, independentSign(input()));
    expect(ok.status).toBe(201);
    const creds = (JSON.parse(ok.body) as { credentialSet: { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }[] })
      .credentialSet[0]!.credentials;
    const bad = await sendSigned(emu.endpoint, independentSign(input({ durationSeconds: 100 })));
    expect(bad.status).toBe(400);
    const text = readFileSync(auditFile, "utf8");
    const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditEntry);
    expect(lines.length).toBe(before + 2);
    const [success, failure] = lines.slice(-2) as [AuditEntry, AuditEntry];
    expect(success).toMatchObject({
      operation: "CreateSession",
      outcome: "success",
      status: 201,
      serial: leaf.serialDecimal,
      subject: "CN=robust client,O=TEST",
      algorithm: "AWS4-X509-ECDSA-SHA256",
      chainLength: 1,
      sourceIdentity: "CN=robust client",
      trustAnchorArn: emu.trustAnchorArn,
      profileArn: emu.profileArn,
      roleArn: emu.roleArn,
      accessKeyId: creds.accessKeyId,
    });
    expect(Date.parse(success.time)).not.toBeNaN();
    expect(success.requestId).toBe(ok.headers["x-amzn-requestid"]);
    expect(failure).toMatchObject({ operation: "CreateSession", outcome: "failure", status: 400, errorCode: "ValidationException" });
    expect(failure.reason).toMatch(/durationSeconds/);
    expect(text).not.toContain(creds.secretAccessKey);
    expect(text).not.toContain(creds.sessionToken);
    expect(emu.audit.slice(-2)).toEqual([success, failure]);
  });

  it("routes STS calls made with minted credentials to the STS handler on the same endpoint", async () => {
    const ok = await sendSigned(emu.endpoint, independentSign(input({ durationSeconds: 900 })));
    const set = (JSON.parse(ok.body) as { credentialSet: { assumedRoleUser: { arn: string }; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }[] })
      .credentialSet[0]!;
    const client = new STSClient({
      region: "us-east-1",
      endpoint: emu.endpoint,
      credentials: { accessKeyId: set.credentials.accessKeyId, secretAccessKey: set.credentials.secretAccessKey, sessionToken: set.credentials.sessionToken },
    });
    const id = await client.send(new GetCallerIdentityCommand({}));
    expect(id.Arn).toBe(set.assumedRoleUser.arn);
    const wrong = new STSClient({
      region: "us-east-1",
      endpoint: emu.endpoint,
      credentials: { accessKeyId: set.credentials.accessKeyId, secretAccessKey: "wrong" + set.credentials.secretAccessKey.slice(5), sessionToken: set.credentials.sessionToken },
    });
    await expect(wrong.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    expect(emu.audit.filter((e) => e.operation === "GetCallerIdentity").map((e) => e.outcome)).toEqual(["success", "failure"]);
    client.destroy();
    wrong.destroy();
  });

  it.skipIf(!hasAws)(`the AWS CLI reads its identity from the emulator with minted credentials${hasAws ? "" : " [skipped: no aws CLI]"}`, async () => {
    const ok = await sendSigned(emu.endpoint, independentSign(input()));
    const set = (JSON.parse(ok.body) as { credentialSet: { assumedRoleUser: { arn: string }; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }[] })
      .credentialSet[0]!;
    writeFileSync(join(dir, "aws-config"), "");
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
    Object.assign(env, {
      AWS_CONFIG_FILE: join(dir, "aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "aws-config"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ACCESS_KEY_ID: set.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: set.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: set.credentials.sessionToken,
    });
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "aws",
        ["sts", "get-caller-identity", "--endpoint-url", emu.endpoint, "--region", "us-east-1", "--query", "Arn", "--output", "text"],
        { env, timeout: 30_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe(set.assumedRoleUser.arn);
  });
});
