/**
 * Tokens made by independent implementations, accepted by our verifier
 * against the emulator: a k8s token presigned by botocore the way
 * `aws eks get-token` / aws-iam-authenticator make it, and a Vault login
 * payload from hvac (Vault's Python client; Debian's python3-hvac for
 * /usr/bin/python3), both run from the test with Roles Anywhere credentials.
 */
import { execFile, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkIdentityToken, verifyIdentityToken } from "../../../src/verifier/index.js";
import { cleanEnv } from "../provider/support.js";
import { startWorld, vaultParts, type World } from "./support.js";

const hasBotocore = spawnSync("python3", ["-c", "import botocore.session"], { stdio: "ignore" }).status === 0;
const HVAC_PYTHON = "/usr/bin/python3";
const hasHvac = spawnSync(HVAC_PYTHON, ["-c", "import hvac.aws_utils"], { stdio: "ignore" }).status === 0;
const botoNote = hasBotocore ? "" : " [skipped: python3 with botocore is not on PATH]";
const hvacNote = hasHvac ? "" : " [skipped: /usr/bin/python3 has no hvac (Debian package python3-hvac)]";

let w: World;
beforeAll(async () => {
  w = await startWorld("independent");
});
afterAll(async () => {
  await w?.close();
});

/** Runs a Python snippet with the credentials in the environment only (never in argv). */
function python(exe: string, code: string, extra: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: w.creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: w.creds.secretAccessKey,
    AWS_SESSION_TOKEN: w.creds.sessionToken!,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
  return new Promise((resolve) => {
    execFile(exe, ["-c", code], { env: cleanEnv(env), timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

// What `aws eks get-token` does (awscli/customizations/eks/get_token.py): a presigned
// GetCallerIdentity with the cluster id in a signed x-k8s-aws-id header, 60 s.
const BOTOCORE_K8S = `
import base64, os, botocore.session
session = botocore.session.get_session()
sts = session.create_client("sts", region_name="us-east-1", endpoint_url=os.environ["EMULATOR"])
def add_cluster_id(request, **kwargs):
    request.headers["x-k8s-aws-id"] = os.environ["CLUSTER"]
sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_id)
url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
print("k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("="), end="")
`;

// hvac's own pieces: generate_sigv4_auth_request (the request iam_login signs) aimed at the
// emulator instead of sts.amazonaws.com, hvac's SigV4Auth, and the payload as iam_login lays it out.
const HVAC_PAYLOAD = `
import json, os
from base64 import b64encode
from urllib.parse import urlsplit
from hvac import aws_utils
request = aws_utils.generate_sigv4_auth_request(header_value=os.environ["AUDIENCE"])
request.url = os.environ["EMULATOR"] + "/"
request.headers["Host"] = urlsplit(request.url).netloc
aws_utils.SigV4Auth(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"], "us-east-1").add_auth(request)
headers = json.dumps({k: [request.headers[k]] for k in request.headers})
print(json.dumps({
    "iam_http_request_method": request.method,
    "iam_request_url": b64encode(request.url.encode()).decode(),
    "iam_request_headers": b64encode(headers.encode()).decode(),
    "iam_request_body": b64encode(request.body.encode()).decode(),
    "role": "my-role",
}), end="")
`;

// hvac's real iam_login, posting to a loopback stand-in for Vault that records the payload.
const HVAC_LOGIN = `
import os, hvac
client = hvac.Client(url=os.environ["VAULT_ADDR"])
client.auth.aws.iam_login(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"],
    header_value=os.environ["AUDIENCE"], role="my-role", use_token=False)
`;

describe("tokens from independent clients", () => {
  it.skipIf(!hasBotocore)("accepts a k8s token presigned by botocore, as aws eks get-token makes it" + botoNote, async () => {
    const r = await python("python3", BOTOCORE_K8S, { EMULATOR: w.emu.endpoint, CLUSTER: "prod-cluster" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("k8s-aws-v1.")).toBe(true);
    const before = w.stsCalls();
    const id = await verifyIdentityToken(r.stdout, { audience: "prod-cluster", stsEndpoints: [w.emu.endpoint] });
    expect(id.principalArn).toBe(w.emu.roleArn);
    expect(id.arn).toMatch(/:assumed-role\/[^/]+\/independent$/);
    expect(w.stsCalls()).toBe(before + 1);
    // Bound to its cluster: another audience gets STS's signature refusal.
    await expect(verifyIdentityToken(r.stdout, { audience: "other-cluster", stsEndpoints: [w.emu.endpoint] }))
      .rejects.toMatchObject({ code: "STS_REFUSED", stsCode: "SignatureDoesNotMatch" });
  });

  it.skipIf(!hasHvac)("accepts a Vault login payload signed by hvac" + hvacNote, async () => {
    const r = await python(HVAC_PYTHON, HVAC_PAYLOAD, { EMULATOR: w.emu.endpoint, AUDIENCE: "vault.example.test" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = await verifyIdentityToken(r.stdout, { audience: "vault.example.test", stsEndpoints: [w.emu.endpoint] });
    expect(id.principalArn).toBe(w.emu.roleArn);
    await expect(verifyIdentityToken(r.stdout, { audience: "another-vault", stsEndpoints: [w.emu.endpoint] }))
      .rejects.toMatchObject({ code: "AUDIENCE_MISMATCH" });
  });

  it.skipIf(!hasHvac)("takes hvac's real iam_login payload (https://sts.amazonaws.com/) through every local check" + hvacNote, async () => {
    let payload = "";
    const vault = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        payload = body;
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ auth: { client_token: "t" } }));
      });
    });
    await new Promise<void>((resolve) => vault.listen(0, "127.0.0.1", resolve));
    try {
      const r = await python(HVAC_PYTHON, HVAC_LOGIN, { VAULT_ADDR: `http://127.0.0.1:${(vault.address() as AddressInfo).port}`, AUDIENCE: "vault.example.test" });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    } finally {
      vault.closeAllConnections();
      await new Promise((resolve) => vault.close(resolve));
    }
    const parts = vaultParts(payload);
    expect(parts.url).toBe("https://sts.amazonaws.com/");
    expect(Object.keys(parts.headers)).toContain("X-Vault-AWS-IAM-Server-ID");
    expect(checkIdentityToken(payload, { audience: "vault.example.test" })).toEqual({
      method: "POST",
      url: "https://sts.amazonaws.com/",
      headerNames: ["Content-Type", "Host", "X-Vault-AWS-IAM-Server-ID", "Content-Length", "X-Amz-Date", "X-Amz-Security-Token", "Authorization"],
    });
    expect(() => checkIdentityToken(payload, { audience: "someone-else" })).toThrow(expect.objectContaining({ code: "AUDIENCE_MISMATCH" }));
  });
});
