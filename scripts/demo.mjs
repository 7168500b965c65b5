// `npm run demo`: the whole flow with no AWS account and no network.
// 1. make a private PKI (root CA, intermediate, client certificate) in a temp dir
// 2. start the embedded emulator (quick mode, loopback, random port)
// 3. get credentials through `credential-process`, exactly as the AWS CLI would
// 4. call STS GetCallerIdentity on the emulator with them through the AWS SDK v3
// Prints each step and ends with the assumed-role ARN. Cleans up after itself.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli.js");
const dir = mkdtempSync(join(tmpdir(), "ra-demo-"));
let emulator;

const step = (n, text) => console.log(`\n[${n}/4] ${text}`);
const info = (text) => console.log(`      ${text}`);

function cleanup() {
  if (emulator && emulator.exitCode === null) emulator.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}

async function startEmulator(trustAnchorCert) {
  emulator = spawn(process.execPath, [cli, "emulator", "--trust-anchor-cert", trustAnchorCert, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  emulator.stderr.on("data", (d) => (stderr += d));
  const lines = createInterface({ input: emulator.stdout });
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start in 15 s: ${stderr.trim()}`)), 15_000);
    emulator.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with code ${code}: ${stderr.trim()}`));
    });
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
  });
}

async function main() {
  console.log("IAM Roles Anywhere, end to end, on this machine only (no AWS account, no network).");

  step(1, "Making a private PKI: root CA -> intermediate CA -> client certificate (EC P-256)");
  await run(process.execPath, [cli, "generate-credential-process-data", "--out-dir", dir, "--intermediate"]);
  info(`trust anchor (root CA):  ${join(dir, "root-cert.pem")}`);
  info(`client certificate:      ${join(dir, "client-cert.pem")}`);
  info(`client key:              ${join(dir, "client-key.pem")} (mode 0600)`);

  step(2, "Starting the Roles Anywhere emulator with the root CA as its trust anchor");
  const emu = await startEmulator(join(dir, "root-cert.pem"));
  info(`endpoint:          ${emu.endpoint}`);
  info(`trust anchor ARN:  ${emu.trustAnchorArn}`);
  info(`profile ARN:       ${emu.profileArn}`);
  info(`role ARN:          ${emu.roleArn}`);

  step(3, "Signing CreateSession with the client key (credential-process, as the AWS CLI runs it)");
  const args = [
    cli, "credential-process",
    "--certificate", join(dir, "client-cert.pem"),
    "--private-key", join(dir, "client-key.pem"),
    "--intermediates", join(dir, "intermediate-cert.pem"),
    "--trust-anchor-arn", emu.trustAnchorArn,
    "--profile-arn", emu.profileArn,
    "--role-arn", emu.roleArn,
    "--endpoint", emu.endpoint,
  ];
  const { stdout } = await run(process.execPath, args);
  const creds = JSON.parse(stdout);
  info(`AccessKeyId:  ${creds.AccessKeyId}`);
  info(`Expiration:   ${creds.Expiration}`);
  info(`AccountId:    ${creds.AccountId}`);
  info("(secret access key and session token not shown)");

  step(4, "Calling STS GetCallerIdentity on the emulator with those credentials (AWS SDK v3)");
  // The SDK warns that its 2027 releases will need Node 22; not news for this demo.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (w, ...rest) => {
    if (String(w?.name ?? rest[0]?.type ?? rest[0] ?? "").includes("NodeVersionSupportWarning") || String(w).includes("NodeVersionSupportWarning")) return;
    emitWarning(w, ...rest);
  };
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({
    region: "us-east-1",
    endpoint: emu.endpoint,
    credentials: {
      accessKeyId: creds.AccessKeyId,
      secretAccessKey: creds.SecretAccessKey,
      sessionToken: creds.SessionToken,
    },
  });
  const who = await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
  info(`Account: ${who.Account}`);
  info(`UserId:  ${who.UserId}`);
  console.log(`\nDone. You are: ${who.Arn}`);
}

main().then(
  () => {
    cleanup();
  },
  (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    cleanup();
    process.exitCode = 1;
  },
);
