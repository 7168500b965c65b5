/**
 * runAction() in process against the emulator, with its I/O recorded in one
 * list: the order of what is printed and written is the point (every secret is
 * masked before any file receives it).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { runAction } from "../../../src/action/run-action.js";
import { startEmulator } from "../../../src/emulator/index.js";
import { createRootCa, issueClientCertificate } from "../../../src/pki/index.js";
import { ROLE, startWorld, type World } from "../credential-process/world.js";

type Event = { log: string } | { file: string; text: string };

describe("runAction", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  async function recorded(env: Record<string, string>): Promise<{ code: number; events: Event[] }> {
    const events: Event[] = [];
    let n = 0;
    const code = await runAction({
      env,
      log: (t) => events.push({ log: t }),
      appendFile: (file, text) => events.push({ file, text }),
      // "#" appears in no key, token or date (a real runner uses ghadelimiter_<uuid>).
      delimiter: () => `#D${++n}#`,
    });
    return { code, events };
  }

  const inputs = () => ({
    INPUT_CERTIFICATE: readFileSync(world.ec.cert, "utf8"),
    "INPUT_PRIVATE-KEY": readFileSync(world.ec.key, "utf8"),
    "INPUT_TRUST-ANCHOR-ARN": world.trustAnchorArn,
    "INPUT_PROFILE-ARN": world.profileArn,
    "INPUT_ROLE-ARN": ROLE,
    INPUT_ENDPOINT: world.emu.endpoint,
    GITHUB_ENV: "/runner/env",
    GITHUB_OUTPUT: "/runner/output",
  });

  it("masks every secret before writing it, then writes the environment file once and the outputs once", async () => {
    const { code, events } = await recorded(inputs());
    expect(code).toBe(0);
    const files = events.filter((e): e is { file: string; text: string } => "file" in e);
    expect(files.map((f) => f.file)).toEqual(["/runner/env", "/runner/output"]);
    const secret = /AWS_SECRET_ACCESS_KEY<<#D\d+#\n(.*)\n/.exec(files[0]!.text)![1]!;
    const token = /AWS_SESSION_TOKEN<<#D\d+#\n(.*)\n/.exec(files[0]!.text)![1]!;
    const firstFile = events.findIndex((e) => "file" in e);
    for (const s of [secret, token]) {
      const mask = events.findIndex((e) => "log" in e && e.log === `::add-mask::${s}\n`);
      expect(mask).toBeGreaterThanOrEqual(0);
      expect(mask).toBeLessThan(firstFile);
    }
    // Without output-credentials only the account is an output; the region comes from the trust anchor ARN.
    expect(files[1]!.text).toBe("aws-account-id<<#D7#\n123456789012\n#D7#\n");
    expect(files[0]!.text).toMatch(/AWS_REGION<<#D\d+#\nus-east-1\n/);
  });

  it("refuses to run outside a runner (no GITHUB_ENV) with one error line", async () => {
    const env: Record<string, string> = inputs();
    delete env.GITHUB_ENV;
    const { code, events } = await recorded(env);
    expect(code).toBe(1);
    expect(events.filter((e) => "log" in e && !e.log.startsWith("::add-mask::"))).toEqual([
      { log: "::error::IAM Roles Anywhere: GITHUB_ENV is not set (hint: run this as a step of a GitHub Actions job)\n" },
    ]);
  });

  it("exports the last hop's credentials of a role chain given as inputs (a real SDK client checks them)", async () => {
    const A = "arn:aws:iam::111122223333:role/central";
    const B = "arn:aws:iam::444455556666:role/workload";
    const root = await createRootCa({ keyType: "ec-p256" });
    const leaf = await issueClientCertificate(root, { keyType: "ec-p256" });
    const emu = await startEmulator({
      port: 0,
      config: {
        accountId: "111122223333",
        trustAnchors: [{ name: "ta", certificates: [root.certPem] }],
        profiles: [{ name: "p", roleArns: [A] }],
        roles: [{ arn: B, trust: { principals: [A], externalId: "ext-b" } }],
      },
    });
    try {
      const env = {
        INPUT_CERTIFICATE: leaf.certPem,
        "INPUT_PRIVATE-KEY": leaf.keyPem,
        "INPUT_TRUST-ANCHOR-ARN": emu.trustAnchorArn,
        "INPUT_PROFILE-ARN": emu.profileArn,
        "INPUT_ROLE-ARN": A,
        INPUT_ENDPOINT: emu.endpoint,
        "INPUT_STS-ENDPOINT": emu.endpoint,
        "INPUT_ASSUME-ROLE": B,
        "INPUT_ASSUME-ROLE-SESSION-NAME": "gh-run",
        "INPUT_EXTERNAL-ID": "ext-b",
        GITHUB_ENV: "/runner/env",
      };
      const { code, events } = await recorded(env);
      expect(events.filter((e) => "log" in e && e.log.startsWith("::error::"))).toEqual([]);
      expect(code).toBe(0);
      const file = events.find((e): e is { file: string; text: string } => "file" in e)!;
      const v = (name: string) => new RegExp(`${name}<<#D\\d+#\\n(.*)\\n`).exec(file.text)![1]!;
      const sts = new STSClient({
        region: v("AWS_REGION"),
        endpoint: emu.endpoint,
        credentials: { accessKeyId: v("AWS_ACCESS_KEY_ID"), secretAccessKey: v("AWS_SECRET_ACCESS_KEY"), sessionToken: v("AWS_SESSION_TOKEN") },
      });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe("arn:aws:sts::444455556666:assumed-role/workload/gh-run");
      // A wrong external id: STS's refusal as one error line, nothing exported.
      const bad = await recorded({ ...env, "INPUT_EXTERNAL-ID": "wrong" });
      expect(bad.code).toBe(1);
      expect(bad.events.filter((e) => "file" in e)).toEqual([]);
      expect(bad.events.filter((e) => "log" in e && e.log.startsWith("::error::"))).toHaveLength(1);
    } finally {
      await emu.close();
    }
  });
});
