/**
 * The SAML flags: `--saml-assertion FILE|-|env:NAME` or `--saml-idp-url URL`
 * with `--saml-username` and `--saml-password env:NAME` (else a terminal
 * prompt; never a literal), `--role-arn`/`--principal-arn` to choose a pair,
 * `--session-duration`, `--region`, `--sts-endpoint`. Builds the SAML base source.
 */
import { readFileSync } from "node:fs";
import { num, str, type FlagSpec, type ParsedArgs } from "./args.js";
import type { CliContext } from "./context.js";
import { ConfigError, UsageError } from "../errors.js";
import { Secret } from "../secret.js";
import type { BaseCredentialSource } from "../credentials/source.js";
import type { SamlResponseSource } from "../credentials/saml-source.js";

/** Flags of the SAML source. @internal */
export const samlFlags: FlagSpec[] = [
  { name: "saml-assertion", type: "string", describe: "SAML source: a SAMLResponse (base64 or XML) from FILE, - (stdin) or env:NAME; cannot be refreshed" },
  { name: "saml-idp-url", type: "string", describe: "SAML source: the IdP-initiated sign-on URL (e.g. ADFS …/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices)" },
  { name: "saml-username", type: "string", describe: "SAML source: the user name at the IdP" },
  { name: "saml-password", type: "string", describe: "SAML source: env:NAME holding the IdP password (default: asked on the terminal; never a literal)" },
  { name: "principal-arn", type: "string", describe: "SAML source: the saml-provider ARN of the role pair (when a role is offered by several providers)" },
];

/** Whether the flags ask for the SAML source. @internal */
export function wantsSaml(args: ParsedArgs): boolean {
  return args.given.has("saml-assertion") || args.given.has("saml-idp-url");
}

const X509_FLAGS = ["certificate", "private-key", "intermediates", "trust-anchor-arn", "profile-arn", "endpoint", "pkcs11-lib", "role-session-name", "assume-role"];

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The response source of the flags (usage checks first). @internal */
export async function samlResponseFromArgs(args: ParsedArgs, ctx: CliContext): Promise<SamlResponseSource> {
  const assertion = str(args, "saml-assertion");
  const url = str(args, "saml-idp-url");
  if (assertion !== undefined && url !== undefined) throw new UsageError("--saml-assertion and --saml-idp-url cannot be used together");
  if (assertion !== undefined) {
    for (const f of ["saml-username", "saml-password"]) if (args.given.has(f)) throw new UsageError(`--${f} goes with --saml-idp-url, not --saml-assertion`);
    if (assertion === "-") {
      const text = await readStdin(ctx.stdin);
      return { kind: "assertion", name: "--saml-assertion -", read: () => text };
    }
    if (assertion.startsWith("env:")) {
      const name = assertion.slice(4);
      return { kind: "assertion", name: `--saml-assertion env:${name}`, read: () => {
        const v = ctx.env[name];
        if (v === undefined || v === "") throw new ConfigError(`--saml-assertion: environment variable ${name} is not set`);
        return v;
      } };
    }
    return { kind: "assertion", name: `--saml-assertion ${assertion}`, read: () => {
      try {
        return readFileSync(assertion, "utf8");
      } catch (err) {
        throw new ConfigError(`--saml-assertion: cannot read ${JSON.stringify(assertion)} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { hint: "give a file holding the SAMLResponse, - for stdin, or env:NAME" });
      }
    } };
  }
  if (url === undefined) throw new UsageError("missing required flag: --saml-assertion or --saml-idp-url");
  const username = str(args, "saml-username");
  if (username === undefined || username === "") throw new UsageError("--saml-idp-url needs --saml-username");
  const pw = str(args, "saml-password");
  if (pw !== undefined && !pw.startsWith("env:")) {
    throw new UsageError("--saml-password takes env:NAME, never the password itself", { hint: "export the password in a variable and pass --saml-password env:NAME, or leave the flag out to be asked" });
  }
  const password = async (): Promise<Secret<string>> => {
    if (pw !== undefined) {
      const v = ctx.env[pw.slice(4)];
      if (v === undefined || v === "") throw new ConfigError(`--saml-password: environment variable ${pw.slice(4)} is not set`);
      return new Secret(v);
    }
    const { promptPasswordOnTty } = await import("../identity/prompt.js");
    const typed = await promptPasswordOnTty(`IdP password for ${username}`);
    if (typed === undefined) throw new UsageError("no IdP password: --saml-password env:NAME is not given and there is no terminal to ask on");
    return new Secret(typed);
  };
  // The password is read once per sign-in; the prompt, if any, is answered before the first one.
  let pending: Secret<string> | undefined = pw === undefined ? await password() : undefined;
  return { kind: "idp", url, username, password: () => {
    if (pending) {
      const p = pending;
      if (pw === undefined) return p;
      pending = undefined;
      return p;
    }
    const v = ctx.env[pw!.slice(4)];
    if (v === undefined || v === "") throw new ConfigError(`--saml-password: environment variable ${pw!.slice(4)} is not set`);
    return new Secret(v);
  } };
}

/** The SAML base source of the flags. @internal */
export async function samlSourceFromArgs(args: ParsedArgs, ctx: CliContext): Promise<BaseCredentialSource> {
  for (const f of X509_FLAGS) {
    if (args.given.has(f)) throw new UsageError(`--${f} does not apply to the SAML source (--saml-assertion / --saml-idp-url)`, { hint: `drop --${f}` });
  }
  const duration = num(args, "session-duration");
  if (duration !== undefined && !(Number.isInteger(duration) && duration >= 900 && duration <= 43200)) {
    throw new UsageError(`--session-duration must be 900-43200 seconds, not ${duration}`);
  }
  const response = await samlResponseFromArgs(args, ctx);
  const [{ samlSource }, { resolveStsCallConfig }] = await Promise.all([import("../credentials/saml-source.js"), import("../sources/sts/config.js")]);
  const region = str(args, "region") ?? ctx.env.AWS_REGION ?? ctx.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const stsEndpoint = str(args, "sts-endpoint");
  const timeout = num(args, "timeout");
  const sts = resolveStsCallConfig(
    { region, fips: false, dualStack: false, ...(stsEndpoint !== undefined ? { stsEndpoint, stsEndpointName: "--sts-endpoint" } : {}) },
    {
      tls: { rejectUnauthorized: !args.given.has("no-verify-ssl"), ...(ctx.env.AWS_CA_BUNDLE ? { ca: readFileSync(ctx.env.AWS_CA_BUNDLE, "utf8") } : {}) },
      proxy: { httpProxy: new Secret(""), httpsProxy: new Secret(""), noProxy: "" },
      timeoutMs: (timeout ?? 15) * 1000,
      maxAttempts: 3,
    },
    ctx.env,
  );
  const roleArn = str(args, "role-arn");
  const principalArn = str(args, "principal-arn");
  return samlSource({
    response, sts,
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(principalArn !== undefined ? { principalArn } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}),
  });
}
