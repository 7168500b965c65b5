/**
 * Real AWS clients against serve's handlers on loopback: the SDK v3 providers
 * (@aws-sdk/credential-providers) and botocore (the AWS CLI's library) must
 * obtain exactly the credentials the source holds, through the IMDS route and
 * through the container route. (The AWS CLI v1 here has no
 * `configure export-credentials`, so botocore is driven directly.)
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromContainerMetadata, fromHttp, fromInstanceMetadata } from "@aws-sdk/credential-providers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createContainerHandler } from "../../../src/outputs/serve/container-handler.js";
import { createHealthHandler } from "../../../src/outputs/serve/health.js";
import { createImdsHandler } from "../../../src/outputs/serve/imds-handler.js";
import { listen } from "../../../src/outputs/serve/listen.js";
import type { Listening } from "../../../src/outputs/serve/listen.js";
import { createServeHandler } from "../../../src/outputs/serve/router.js";
import { Secret } from "../../../src/secret.js";
import { ACCOUNT_ID, makeCredentials, ROLE_ARN, ROLE_NAME, staticSource } from "./support.js";

const AUTH = "real-client-token-7f3a9c1e5b";

const hasAws = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const hasBotocore = spawnSync("python3", ["-c", "import botocore.session"], { stdio: "ignore" }).status === 0;

function canBindIpv6(): boolean {
  const r = spawnSync(process.execPath, ["-e", "require('net').createServer().once('error',()=>process.exit(1)).listen(0,'::1',function(){this.close()})"]);
  return r.status === 0;
}
const hasIpv6 = canBindIpv6();

/** The visible reason appended to a test name when it is skipped. */
const skipNote = (has: boolean, why: string): string => (has ? "" : ` [skipped: ${why}]`);

describe("real AWS clients get the served credentials", () => {
  const creds = makeCredentials(Date.now() + 3600_000);
  const source = staticSource(creds);
  const servers: Listening[] = [];
  let v4: Listening;
  let tmp: string;
  let configFile: string;

  const build = () =>
    createServeHandler({
      imds: createImdsHandler({ source, roleName: ROLE_NAME }),
      container: createContainerHandler({ source, token: new Secret(AUTH), roleArn: ROLE_ARN, accountId: ACCOUNT_ID }),
      health: createHealthHandler({ source }),
      mode: "loopback",
    });

  beforeAll(async () => {
    v4 = await listen(build(), { host: "127.0.0.1", port: 0 });
    servers.push(v4);
    tmp = mkdtempSync(join(tmpdir(), "serve-clients-"));
    configFile = join(tmp, "config");
    writeFileSync(configFile, "[default]\nregion = us-east-1\n");
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** An environment where nothing but the given route can yield credentials. */
  const isolatedEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
    return {
      ...env,
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, "no-credentials"),
      AWS_METADATA_SERVICE_TIMEOUT: "2",
      ...extra,
    };
  };

  const expectSame = (got: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }) => {
    expect(got.accessKeyId).toBe(creds.accessKeyId);
    expect(got.secretAccessKey).toBe(creds.secretAccessKey.reveal());
    expect(got.sessionToken).toBe(creds.sessionToken.reveal());
    expect(got.expiration?.getTime()).toBe(creds.expiration.getTime());
  };

  it("SDK v3 fromInstanceMetadata, with AWS_EC2_METADATA_SERVICE_ENDPOINT, through the IMDSv2 token flow", async () => {
    vi.stubEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT", v4.url);
    vi.stubEnv("AWS_EC2_METADATA_V1_DISABLED", "true");
    vi.stubEnv("AWS_CONFIG_FILE", configFile);
    expectSame(await fromInstanceMetadata({ timeout: 2000 })());
  });

  it("SDK v3 fromContainerMetadata, with AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN", async () => {
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI", new URL("/v1/credentials", v4.url).href);
    vi.stubEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH);
    const got = await fromContainerMetadata({ timeout: 2000 })();
    expectSame(got);
    expect(got.accountId).toBe(ACCOUNT_ID);
  });

  it("SDK v3 fromContainerMetadata fails with the wrong token", async () => {
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI", new URL("/v1/credentials", v4.url).href);
    vi.stubEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong-token");
    await expect(fromContainerMetadata({ timeout: 2000 })()).rejects.toThrow();
  });

  it("SDK v3 fromHttp, with the container URI and token as options", async () => {
    const got = await fromHttp({
      awsContainerCredentialsFullUri: new URL("/v1/credentials", v4.url).href,
      awsContainerAuthorizationToken: AUTH,
      timeout: 2000,
      maxRetries: 0,
    })();
    expectSame(got);
  });

  it.skipIf(!hasIpv6)("SDK v3 fromHttp reaches the container route on http://[::1]" + skipNote(hasIpv6, "::1 cannot be bound on this machine"), async () => {
    const v6 = await listen(build(), { host: "::1", port: 0 });
    servers.push(v6);
    expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+\/$/);
    const got = await fromHttp({
      awsContainerCredentialsFullUri: new URL("/v1/credentials", v6.url).href,
      awsContainerAuthorizationToken: AUTH,
      timeout: 2000,
      maxRetries: 0,
    })();
    expectSame(got);
  });

  const BOTO = [
    "import json, botocore.session",
    "s = botocore.session.get_session()",
    "c = s.get_credentials()",
    "f = c.get_frozen_credentials() if c else None",
    "print(json.dumps(None if c is None else {'method': c.method, 'access_key': f.access_key, 'secret_key': f.secret_key, 'token': f.token}))",
  ].join("\n");

  // Asynchronous on purpose: the servers run in this process, so a blocking spawn would starve them.
  const runBoto = (env: NodeJS.ProcessEnv) => promisify(execFile)("python3", ["-c", BOTO], { env, encoding: "utf8", timeout: 30_000 });
  const botocore = async (env: NodeJS.ProcessEnv): Promise<{ method: string; access_key: string; secret_key: string; token: string } | null> =>
    JSON.parse((await runBoto(env)).stdout) as never;

  it.skipIf(!hasBotocore)("botocore (the AWS CLI's library) via AWS_EC2_METADATA_SERVICE_ENDPOINT" + skipNote(hasBotocore, "python3 with botocore is not installed"), async () => {
    const got = await botocore(isolatedEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: v4.url }));
    expect(got).toEqual({
      method: "iam-role",
      access_key: creds.accessKeyId,
      secret_key: creds.secretAccessKey.reveal(),
      token: creds.sessionToken.reveal(),
    });
  });

  it.skipIf(!hasBotocore)("botocore via AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN" + skipNote(hasBotocore, "python3 with botocore is not installed"), async () => {
    const got = await botocore(
      isolatedEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: new URL("/v1/credentials", v4.url).href,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH,
        AWS_EC2_METADATA_DISABLED: "true",
      }),
    );
    expect(got).toEqual({
      method: "container-role",
      access_key: creds.accessKeyId,
      secret_key: creds.secretAccessKey.reveal(),
      token: creds.sessionToken.reveal(),
    });
  });

  it.skipIf(!hasBotocore)("botocore gets nothing through the container route with a wrong token" + skipNote(hasBotocore, "python3 with botocore is not installed"), async () => {
    const err = await runBoto(
      isolatedEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: new URL("/v1/credentials", v4.url).href,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "wrong-token",
        AWS_EC2_METADATA_DISABLED: "true",
      }),
    ).then(
      (r) => r.stdout,
      (e: { stderr: string }) => e.stderr,
    );
    expect(err).toMatch(/CredentialRetrievalError/);
    expect(err).toMatch(/401/);
    expect(err).not.toContain(creds.accessKeyId);
  });

  // The AWS CLI itself: `configure list` resolves the credential chain and shows the
  // source type and the last four characters of the access key it obtained.
  const awsConfigureList = async (env: NodeJS.ProcessEnv): Promise<string> =>
    (await promisify(execFile)("aws", ["configure", "list"], { env, encoding: "utf8", timeout: 30_000 })).stdout;

  it.skipIf(!hasAws)("the AWS CLI resolves iam-role credentials through the IMDS route" + skipNote(hasAws, "the aws CLI is not installed"), async () => {
    const out = await awsConfigureList(isolatedEnv({ AWS_EC2_METADATA_SERVICE_ENDPOINT: v4.url }));
    expect(out).toMatch(new RegExp(`access_key\\s+\\*+${creds.accessKeyId.slice(-4)}\\s+iam-role`));
  });

  it.skipIf(!hasAws)("the AWS CLI resolves container-role credentials through the container route" + skipNote(hasAws, "the aws CLI is not installed"), async () => {
    const out = await awsConfigureList(
      isolatedEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: new URL("/v1/credentials", v4.url).href,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH,
        AWS_EC2_METADATA_DISABLED: "true",
      }),
    );
    expect(out).toMatch(new RegExp(`access_key\\s+\\*+${creds.accessKeyId.slice(-4)}\\s+container-role`));
  });
});
