import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRootCa } from "../../src/pki/index.js";

// `signing-helper emulator --trust-anchor-cert … --saml-user NAME --saml-password env:VAR` as a user runs it:
// the listening line names the IdP and the provider, a sign-in at the IdP gives a SAMLResponse that
// STS AssumeRoleWithSAML accepts, and the password is in no output and no argument list.

const CLI = join(import.meta.dirname, "..", "..", "dist", "cli.js");
const PASSWORD = "e2e-Saml-pa55word";
let dir: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build` first (npm test does)");
  dir = mkdtempSync(join(tmpdir(), "emu-saml-e2e-"));
  writeFileSync(join(dir, "root.pem"), (await createRootCa({ subject: "CN=SAML E2E ROOT" })).certPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("emulator quick mode with a SAML user", () => {
  it("prints samlIdpUrl and samlProviderArn; the IdP's assertion is accepted; the password appears nowhere", async () => {
    const args = [CLI, "emulator", "--trust-anchor-cert", join(dir, "root.pem"), "--saml-user", "carol", "--saml-password", "env:E2E_SAML_PW"];
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, HOME: dir, E2E_SAML_PW: PASSWORD } });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<void>((r) => child.on("exit", () => r()));
    try {
      const line = await new Promise<Record<string, string>>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const nl = out.indexOf("\n");
          if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Record<string, string>);
        });
        child.on("exit", () => reject(new Error(`emulator exited: ${err}`)));
      });
      expect(line.samlProviderArn).toBe("arn:aws:iam::123456789012:saml-provider/quick-saml-idp");
      expect(line.samlIdpUrl).toBe(`${line.endpoint}/saml-idp/quick-saml-idp/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn%3Aamazon%3Awebservices`);
      const formPage = await fetch(line.samlIdpUrl!);
      expect(formPage.url).toContain("/adfs/ls/login");
      const action = /action="([^"]+)"/.exec(await formPage.text())![1]!.replace(/&amp;/g, "&");
      const posted = await fetch(new URL(action, line.endpoint), {
        method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ UserName: "carol", Password: PASSWORD }).toString(),
      });
      const saml = /name="SAMLResponse" value="([^"]+)"/.exec(await posted.text())![1]!;
      const sts = await fetch(line.endpoint + "/", {
        method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ Action: "AssumeRoleWithSAML", Version: "2011-06-15", RoleArn: line.roleArn!, PrincipalArn: line.samlProviderArn!, SAMLAssertion: saml }).toString(),
      });
      expect(await sts.text()).toContain("<Arn>arn:aws:sts::123456789012:assumed-role/rolesanywhere-emulator/carol</Arn>");
      const ps = spawnSync("ps", ["-eo", "args"], { encoding: "utf8" });
      if (ps.status === 0) expect(ps.stdout).not.toContain(PASSWORD);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
    expect(out + err).not.toContain(PASSWORD);
  }, 60_000);

  it("refuses a literal --saml-password (usage error, exit 2) without echoing it", () => {
    const r = spawnSync(process.execPath, [CLI, "emulator", "--trust-anchor-cert", join(dir, "root.pem"), "--saml-user", "carol", "--saml-password", "literal-secret"],
      { env: { PATH: process.env.PATH, HOME: dir }, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--saml-password takes env:NAME");
    expect(r.stderr + r.stdout).not.toContain("literal-secret");
  });
});
