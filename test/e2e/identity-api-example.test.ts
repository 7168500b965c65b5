/**
 * examples/identity-api/server.mjs, run as a user would (it imports the built
 * library by the package's name), against the emulator: a valid token is let
 * in and named, the same token again is refused as a replay, and a token for
 * another audience or a missing one gets 401.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentityToken } from "../../src/outputs/identity-token/index.js";
import { requireBuiltCli } from "../integration/credential-process/world.js";
import { cleanEnv } from "../integration/provider/support.js";
import { startWorld, type World } from "../integration/identity-token/support.js";

const SERVER = join(import.meta.dirname, "../../examples/identity-api/server.mjs");
const AUD = "identity-api.example.test";

let w: World;
let child: ChildProcess;
let url = "";
let stderr = "";

beforeAll(async () => {
  requireBuiltCli();
  w = await startWorld("example-caller");
  child = spawn(process.execPath, [SERVER], {
    env: cleanEnv({ AUDIENCE: AUD, STS_ENDPOINTS: w.emu.endpoint, ALLOW_ACCOUNTS: w.emu.accountId, ALLOW_PRINCIPALS: w.emu.roleArn, PORT: "0" }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  url = (JSON.parse(first) as { url: string }).url;
});
afterAll(async () => {
  child?.kill("SIGTERM");
  await w?.close();
});

const whoami = (token?: string) =>
  fetch(`${url}/whoami`, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });

describe("examples/identity-api", () => {
  it("lets in a valid token, naming the role, and refuses the same token again (replay guard)", async () => {
    const token = await createIdentityToken(w.creds, { audience: AUD, stsEndpoint: w.emu.endpoint });
    const ok = await whoami(token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      principalArn: w.emu.roleArn,
      arn: expect.stringMatching(/:assumed-role\/[^/]+\/example-caller$/),
      account: w.emu.accountId,
    });
    const before = w.stsCalls();
    const again = await whoami(token);
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({ error: "REPLAYED", message: "the token was already used" });
    expect(w.stsCalls()).toBe(before);
    await expect.poll(() => stderr).toContain("refused GET /whoami: REPLAYED");
    expect(stderr).not.toContain(token.slice(0, 40));
  });

  it("takes the other token formats, and refuses another audience or no token with 401", async () => {
    // (Not url again: the same inputs in the same second sign to the same token, which the guard has seen.)
    for (const format of ["vault", "k8s", "akeyless"] as const) {
      const token = await createIdentityToken(w.creds, { audience: AUD, format, stsEndpoint: w.emu.endpoint });
      expect((await whoami(token)).status, format).toBe(200);
    }
    const other = await createIdentityToken(w.creds, { audience: "another-api", format: "vault", stsEndpoint: w.emu.endpoint });
    const refused = await whoami(other);
    expect(refused.status).toBe(401);
    expect((await refused.json()) as { error: string }).toMatchObject({ error: "AUDIENCE_MISMATCH" });
    const none = await whoami();
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
  });
});
