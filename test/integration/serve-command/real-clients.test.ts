/**
 * Real AWS clients get credentials from `serve` and use them on the emulator's
 * STS: the AWS CLI through the IMDS route and through the container route, and
 * the SDK v3 (fromContainerMetadata, and the default chain fromNodeProviderChain)
 * through the container route. Each client is isolated so that nothing but the
 * route under test can give it credentials.
 */
import { execFile, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { fromContainerMetadata, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningEmulator } from "../../../src/emulator/index.js";
import { ACCOUNT, credentialArgs, emulatorFor, makePki, ROLE_NAME, serveInProcess, type InProcessServe, type Pki } from "./world.js";

const TOKEN = "real-clients-token-3c8d71a2";
const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const awsNote = hasAws ? "" : " [skipped: the `aws` CLI is not on PATH]";
const ASSUMED = new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/[\\w+=,.@-]+$`);

let pki: Pki;
let emu: RunningEmulator;
let serve: InProcessServe;
let url: string;
let configFile: string;
let credentialsFile: string;

beforeAll(async () => {
  pki = await makePki("serve-clients-");
  emu = await emulatorFor(pki);
  serve = await serveInProcess([...credentialArgs(pki, emu), "--port", "0", "--auth-token", "env:SERVE_TOKEN"], { SERVE_TOKEN: TOKEN });
  url = (await serve.listening()).url;
  configFile = join(pki.dir, "aws-config");
  credentialsFile = join(pki.dir, "aws-credentials");
  writeFileSync(configFile, "");
  writeFileSync(credentialsFile, "");
});
afterAll(async () => {
  if (serve) expect(await serve.stop()).toBe(0);
  await emu?.close();
  pki?.cleanup();
});

/** The CreateSession calls so far (serve makes one at start and none per client request). */
const createSessions = () => emu.audit.filter((e) => e.operation === "CreateSession");
/** The access key ids used by successful GetCallerIdentity calls. */
const callerKeys = () => emu.audit.filter((e) => e.operation === "GetCallerIdentity" && e.outcome === "success").map((e) => e.accessKeyId);

describe("the AWS CLI with serve's credentials", () => {
  /** No AWS_* variable but the given ones; empty config and credentials files. */
  const isolatedEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
    return { ...env, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_METADATA_SERVICE_TIMEOUT: "5", ...extra };
  };
  // Asynchronous on purpose: serve and the emulator run in this process, a blocking spawn would starve them.
  const callerIdentity = (env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        "aws",
        ["sts", "get-caller-identity", "--endpoint-url", emu.endpoint, "--region", "us-east-1", "--query", "Arn", "--output", "text"],
        { env, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  it.skipIf(!hasAws)("aws sts get-caller-identity works through AWS_EC2_METADATA_SERVICE_ENDPOINT (IMDSv2 route)" + awsNote, async () => {
    const r = await callerIdentity(isolatedEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(ASSUMED);
    expect(callerKeys().at(-1)).toBe(createSessions().at(-1)!.accessKeyId);
    expect(createSessions()).toHaveLength(1);
  });

  it.skipIf(!hasAws)("aws sts get-caller-identity works through AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN" + awsNote, async () => {
    const r = await callerIdentity(
      isolatedEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: TOKEN,
        AWS_EC2_METADATA_DISABLED: "true",
      }),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(ASSUMED);
    expect(createSessions()).toHaveLength(1);
  });

  it.skipIf(!hasAws)("the AWS CLI gets no credentials through the container route with a wrong token" + awsNote, async () => {
    const r = await callerIdentity(
      isolatedEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: TOKEN + "-wrong",
        AWS_EC2_METADATA_DISABLED: "true",
      }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/credential|401/i);
  });
});

describe("the SDK v3 with serve's container route", () => {
  /** Leaves only the container route in process.env for the providers; vi.unstubAllEnvs restores everything. */
  const containerEnv = (authorization: string) => {
    for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) vi.stubEnv(k, undefined);
    vi.stubEnv("AWS_CONFIG_FILE", configFile);
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", credentialsFile);
    vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI", `${url}v1/credentials`);
    vi.stubEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN", authorization);
  };
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const callerArn = async (credentials: STSClientConfig["credentials"]) => {
    const sts = new STSClient({ region: "us-east-1", endpoint: emu.endpoint, credentials, maxAttempts: 1 });
    try {
      return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
    } finally {
      sts.destroy();
    }
  };

  it("fromContainerMetadata → GetCallerIdentity on the emulator", async () => {
    containerEnv(TOKEN);
    const provider = fromContainerMetadata({ timeout: 5000, maxRetries: 0 });
    const identity = await provider();
    expect(identity.accessKeyId).toBe(createSessions().at(-1)!.accessKeyId);
    expect(identity.expiration!.getTime()).toBeGreaterThan(Date.now() + 5 * 60_000);
    expect(await callerArn(provider)).toMatch(ASSUMED);
    expect(createSessions()).toHaveLength(1);
  });

  it("fromNodeProviderChain (the default chain) → GetCallerIdentity on the emulator", async () => {
    containerEnv(TOKEN);
    const arn = await callerArn(fromNodeProviderChain({ timeout: 5000, maxRetries: 0 }));
    expect(arn).toMatch(ASSUMED);
    expect(callerKeys().at(-1)).toBe(createSessions().at(-1)!.accessKeyId);
    expect(createSessions()).toHaveLength(1);
  });

  it("fromNodeProviderChain fails with a wrong container token instead of finding other credentials", async () => {
    containerEnv(TOKEN + "-wrong");
    await expect(callerArn(fromNodeProviderChain({ timeout: 5000, maxRetries: 0 }))).rejects.toThrow();
  });

  it("the environment is restored after the provider tests", () => {
    expect(process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN).not.toBe(TOKEN);
  });
});
