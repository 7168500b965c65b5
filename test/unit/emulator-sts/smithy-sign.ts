// Test-only: signs STS requests with @smithy/signature-v4 (an implementation
// independent of the emulator's) and turns them into the emulator's StsRequest.
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { StsRequest } from "../../../src/emulator/sts/sts-request.js";

type SourceData = string | ArrayBuffer | ArrayBufferView;
function toBuffer(d: SourceData): Buffer {
  if (typeof d === "string") return Buffer.from(d, "utf8");
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

/** SHA-256 / HMAC-SHA256 in the shape smithy expects, on node:crypto. */
export class NodeSha256 {
  #secret?: Buffer;
  #h: Hash | Hmac;
  constructor(secret?: SourceData) {
    if (secret !== undefined) this.#secret = toBuffer(secret);
    this.#h = this.#make();
  }
  #make(): Hash | Hmac {
    return this.#secret ? createHmac("sha256", this.#secret) : createHash("sha256");
  }
  update(data: SourceData): void {
    this.#h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
  reset(): void {
    this.#h = this.#make();
  }
}

export interface TestCreds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const HOST = "127.0.0.1:4567";

function rawQueryOf(query: Record<string, string | string[] | null>): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return Object.entries(query)
    .map(([k, v]) => `${enc(k)}=${enc(String(v ?? ""))}`)
    .join("&");
}

function toStsRequest(signed: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown }): StsRequest {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = [v];
  return {
    method: signed.method,
    path: signed.path,
    rawQuery: rawQueryOf((signed.query ?? {}) as Record<string, string>),
    headers,
    body: Buffer.from(typeof signed.body === "string" ? signed.body : ""),
  };
}

/** A form-encoded POST / signed in the Authorization header, as SDKs send STS calls. */
export async function signedPost(creds: TestCreds, body: string, opts: { date: Date; region?: string; service?: string }): Promise<StsRequest> {
  const signer = new SignatureV4({ credentials: creds, region: opts.region ?? "us-east-1", service: opts.service ?? "sts", sha256: NodeSha256 });
  const signed = await signer.sign(
    {
      method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 4567, path: "/", query: {},
      headers: { host: HOST, "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body,
    },
    { signingDate: opts.date },
  );
  return toStsRequest(signed as never);
}

/** A presigned GET / with the parameters in the query string. */
export async function presignedGet(creds: TestCreds, params: Record<string, string>, opts: { date: Date; expiresIn?: number }): Promise<StsRequest> {
  const signer = new SignatureV4({ credentials: creds, region: "us-east-1", service: "sts", sha256: NodeSha256 });
  const signed = await signer.presign(
    { method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 4567, path: "/", query: { ...params }, headers: { host: HOST } },
    { signingDate: opts.date, expiresIn: opts.expiresIn ?? 60 },
  );
  return toStsRequest(signed as never);
}
