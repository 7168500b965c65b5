import type { CliContext, CommandModule } from "../context.js";
import { bool, str, type ParsedArgs } from "../args.js";
import { credentialFlags } from "../shared-options.js";
import { ConfigError, UsageError } from "../../errors.js";

/** What init asks for when a flag does not give it, in this order. */
const ASKED = [
  ["certificate", "Certificate file (PEM, DER or PKCS#12)"],
  ["private-key", "Private key file"],
  ["trust-anchor-arn", "Trust anchor ARN"],
  ["profile-arn", "Roles Anywhere profile ARN"],
  ["role-arn", "Role ARN"],
] as const;

/** Settings init writes into the profile when given (flags of the credential commands). */
const WRITTEN = [
  "certificate", "private-key", "intermediates", "pkcs8-password", "pkcs11-lib", "trust-anchor-arn", "profile-arn", "role-arn", "region",
  "endpoint", "session-duration", "role-session-name", "assume-role", "assume-role-session-name", "external-id", "source-identity",
  "session-tag", "transitive-tag-key", "session-policy", "session-policy-arn", "assume-role-duration", "sts-endpoint",
];

/** Questions on the terminal, one readline interface for all; `ask` gives undefined when there is no terminal. */
async function terminalQuestions(ctx: CliContext): Promise<{ ask(question: string): Promise<string | undefined>; close(): void }> {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY) return { ask: async () => undefined, close: () => undefined };
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: stdin, output: ctx.stderr });
  // The line iterator buffers answers typed (or pasted) ahead of their question.
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question) {
      rl.setPrompt(`${question}: `);
      rl.prompt();
      const next = await lines.next();
      if (next.done) throw new UsageError("init: stopped at the question (end of input)", { hint: "answer each question, or give the values as flags" });
      return String(next.value).trim();
    },
    close: () => rl.close(),
  };
}

/** The absolute command line that runs this program, for the credential_process line (the SDKs run it without a shell's PATH). */
async function selfCommand(): Promise<string> {
  const { isAbsolute, basename } = await import("node:path");
  const { accessSync, constants } = await import("node:fs");
  const quote = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `"${p.replace(/(["\\$`])/g, "\\$1")}"`);
  const script = process.argv[1];
  const isNode = /^node(js)?(\.exe)?$/.test(basename(process.execPath));
  // A single-file executable is its own program.
  if (!isNode || !script || !isAbsolute(script)) return quote(process.execPath);
  try {
    accessSync(script, constants.X_OK);
    return quote(script);
  } catch {
    return `${quote(process.execPath)} ${quote(script)}`;
  }
}

/** The values to write, checked: every setting as its profile key. */
function profileValues(args: ParsedArgs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of WRITTEN) {
    const v = args.flags[name];
    if (v === undefined || v === false || v === "") continue;
    if (!args.given.has(name) && !args.fromProfile.has(name)) continue;
    const text = Array.isArray(v) ? v.join(", ") : String(v);
    if (name === "pkcs8-password" && !/^env:./.test(text)) {
      throw new UsageError("--pkcs8-password: init writes only env:NAME into the config file, never the password itself");
    }
    out[`rolesanywhere_${name.replace(/-/g, "_")}`] = text;
  }
  return out;
}

/**
 * `signing-helper init`: asks for (or takes as flags) the certificate, key and
 * ARNs, runs doctor's offline checks, and writes `[profile NAME]` with our
 * settings and its `credential_process` line into the AWS config file,
 * atomically, every other byte kept. `--print` shows the section instead.
 */
export const command: CommandModule = {
  name: "init",
  writesConfigProfile: true,
  describe: "Write a named profile (settings and its credential_process line) into the AWS config file",
  usage: "signing-helper init [--config-profile NAME] [--certificate FILE --private-key FILE --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN] [--cache] [--print]",
  flags: [
    ...credentialFlags.filter((f) => f.name !== "config-profile"),
    { name: "config-profile", type: "string", describe: "Name of the profile to write", default: "rolesanywhere" },
    { name: "cache", type: "boolean", describe: "Also set rolesanywhere_cache = true (credential-process reuses credentials across processes)" },
    { name: "print", type: "boolean", describe: "Print the section instead of writing it" },
    { name: "force", type: "boolean", describe: "Write even when doctor's offline checks fail, or when the profile already exists" },
  ],
  async run(args, ctx) {
    const profile = (str(args, "config-profile") ?? "rolesanywhere").trim();
    if (!/^[\w.@+-]+$/.test(profile)) throw new UsageError(`--config-profile: '${profile.slice(0, 40)}' is not a usable profile name`, { hint: "letters, digits and . _ @ + -" });
    const questions = await terminalQuestions(ctx);
    try {
    for (const [name, question] of ASKED) {
      if (str(args, name)) continue;
      const answer = await questions.ask(question);
      if (answer === undefined) {
        const missing = ASKED.map(([n]) => n).filter((n) => !str(args, n));
        throw new UsageError(`missing required flag${missing.length > 1 ? "s" : ""}: ${missing.map((m) => `--${m}`).join(", ")}`, {
          hint: "give them as flags, or run init on a terminal to be asked",
        });
      }
      if (answer) {
        args.flags[name] = answer;
        args.given.add(name);
      }
    }
    } finally {
      questions.close();
    }
    const { identityFromArgs, settingsFromArgs } = await import("./doctor.js");
    const { gatherOfflineFacts, evaluateDoctor, formatCheck } = await import("../../doctor/index.js");
    const facts = await gatherOfflineFacts({ identity: identityFromArgs(args), settings: settingsFromArgs(args) }, { env: ctx.env, io: {} });
    const failures = evaluateDoctor(facts).filter((r) => r.status === "fail");
    for (const f of failures) ctx.log(formatCheck(f));
    if (failures.length && !bool(args, "force")) {
      throw new ConfigError(`init: ${failures.length} of doctor's offline checks failed; nothing written`, { hint: "fix what the lines above say, or pass --force to write the profile anyway" });
    }

    const values = profileValues(args);
    if (bool(args, "cache")) values.rolesanywhere_cache = "true";
    const section = `profile ${profile}`;
    const entries: Record<string, string> = { credential_process: `${await selfCommand()} credential-process --config-profile ${profile}`, ...values };
    // The AWS CLI and SDKs need a region for the profile's calls: the trust anchor's, unless the section has one.
    const region = str(args, "region") ?? /^arn:[\w-]+:rolesanywhere:([a-z0-9-]+):/.exec(str(args, "trust-anchor-arn") ?? "")?.[1];
    const { parseIni, patchSection, readProfiles, serializeIni } = await import("../../credentials/ini.js");
    if (bool(args, "print")) {
      ctx.writeOut(serializeIni(patchSection(parseIni(""), section, region ? { region, ...entries } : entries).doc));
      return 0;
    }
    const { configFilePath } = await import("../../credentials/config-profile.js");
    const path = configFilePath(ctx.env);
    const { readFileSync, statSync } = await import("node:fs");
    let text = "";
    let mode = 0o600;
    try {
      text = readFileSync(path, "utf8");
      mode = statSync(path).mode & 0o777;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new ConfigError(`init: cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
    }
    if (readProfiles(parseIni(text)).has(section) && !bool(args, "force")) {
      throw new ConfigError(`init: [${section}] already exists in ${path}; nothing written`, {
        hint: `pass --force to update it, or choose another name with --config-profile`,
      });
    }
    if (region && !readProfiles(parseIni(text)).get(section)?.has("region")) entries.region = region;
    const { writeFileAtomic } = await import("../../credentials/atomic-write.js");
    await writeFileAtomic(path, serializeIni(patchSection(parseIni(text), section, entries).doc), { mode, dirMode: 0o700 });
    ctx.log(`init: wrote [${section}] to ${path}`);
    ctx.log(`init: try it: aws sts get-caller-identity --profile ${profile}`);
    return 0;
  },
};
