import { resolve } from "node:path";
import type { CommandModule } from "../context.js";
import { bool, str } from "../args.js";
import {
  CREDENTIAL_PROCESS_DATA_KEY_TYPES,
  credentialProcessDataFileNames,
  makeCredentialProcessData,
  type CredentialProcessData,
  type CredentialProcessDataKeyType,
} from "../../pki/credential-process-data.js";
import { prepareToWrite, writeFilesAtomically } from "../../pki/write-files.js";

const DEFAULT_OUT_DIR = "./credential-process-data";

/**
 * `generate-credential-process-data`: makes a private test PKI (root CA,
 * optional intermediate, client certificate) and writes it to --out-dir.
 */
export const command: CommandModule = {
  name: "generate-credential-process-data",
  describe:
    "Make a private test PKI for trying Roles Anywhere: a root CA (upload root-cert.pem as the trust anchor), " +
    "an optional intermediate CA, and a client certificate and key. Keys are for testing only.",
  usage: "signing-helper generate-credential-process-data [--out-dir DIR] [--key-type rsa|ec-p256|ec-p384] [--intermediate] [--force]",
  flags: [
    { name: "out-dir", type: "string", describe: "Directory to write the files to (created with mode 0700)", default: DEFAULT_OUT_DIR },
    {
      name: "key-type",
      type: "string",
      describe: "Key type of every certificate: rsa (RSA 2048), ec-p256 or ec-p384",
      choices: CREDENTIAL_PROCESS_DATA_KEY_TYPES,
      default: "ec-p256",
    },
    { name: "intermediate", type: "boolean", describe: "Also make an intermediate CA and sign the client certificate with it" },
    { name: "force", type: "boolean", describe: "Overwrite existing files in the output directory" },
    { name: "debug", type: "boolean", describe: "Print a stack trace on errors" },
  ],
  async run(args, ctx) {
    const outDir = resolve(str(args, "out-dir") ?? DEFAULT_OUT_DIR);
    const intermediate = bool(args, "intermediate");
    const writeOptions = { overwrite: bool(args, "force"), existsHint: "pass --force to overwrite them, or choose another --out-dir" };
    // Fail on an unusable directory or existing files before making any key.
    prepareToWrite(outDir, credentialProcessDataFileNames(intermediate), writeOptions);
    const data = await makeCredentialProcessData({
      keyType: (str(args, "key-type") ?? "ec-p256") as CredentialProcessDataKeyType,
      intermediate,
    });
    writeFilesAtomically(outDir, data.files, writeOptions);
    ctx.stdout.write(formatSummary(outDir, data));
    return 0;
  },
};

/** The stdout summary: what was written, what to upload, how to use it. */
export function formatSummary(outDir: string, data: CredentialProcessData): string {
  const path = (name: string) => resolve(outDir, name);
  const width = Math.max(...data.files.map((f) => f.name.length)) + 2;
  const lines = [`Wrote a test PKI (${data.keyType} keys) to ${outDir}:`];
  for (const f of data.files) lines.push(`  ${f.name.padEnd(width)}${f.describe}${f.secret ? " (mode 0600, keep it private)" : ""}`);
  const helperArgs = [
    "--certificate",
    shellQuote(path("client-cert.pem")),
    ...(data.intermediate ? ["--intermediates", shellQuote(path("intermediate-cert.pem"))] : []),
    "--private-key",
    shellQuote(path("client-key.pem")),
  ].join(" ");
  lines.push(
    "",
    `Trust anchor: create one with source type "Certificate bundle" from ${path("root-cert.pem")}`,
    "",
    "credential_process line for ~/.aws/config (put in your ARNs):",
    `  credential_process = signing-helper credential-process ${helperArgs} --trust-anchor-arn <TRUST_ANCHOR_ARN> --profile-arn <PROFILE_ARN> --role-arn <ROLE_ARN>`,
    "",
    "Or try it locally, with no AWS account:",
    `  signing-helper emulator --trust-anchor-cert ${shellQuote(path("root-cert.pem"))}`,
    "",
    "These certificates and keys are for testing only.",
  );
  return lines.join("\n") + "\n";
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
