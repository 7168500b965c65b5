import type { CommandModule } from "../context.js";
import { bool, num, str, type ParsedArgs } from "../args.js";
import { cliPassword, cliSource, credentialFlags, identitySpecFromArgs } from "../shared-options.js";
import { cliIdentityIo } from "../identity-io.js";
import { readAllStdin, stdinBytes } from "../stdin-once.js";
import type { DoctorRequest } from "../../doctor/gather.js";
import type { SessionSettings } from "../../doctor/types.js";
import { UsageError } from "../../errors.js";
import type { CheckResult } from "../../doctor/types.js";
import { Secret } from "../../secret.js";
import { readFileSync } from "node:fs";

/** The identity sources as given; unlike the credential commands, a missing --certificate is a failed check, not a usage error. */
export function identityFromArgs(args: ParsedArgs): DoctorRequest["identity"] {
  if (str(args, "certificate")) return identitySpecFromArgs(args);
  const out: DoctorRequest["identity"] = {};
  const key = str(args, "private-key");
  const chain = str(args, "intermediates");
  const pass = str(args, "pkcs8-password");
  if (key === "-" && chain === "-") throw new UsageError("only one of --certificate, --private-key and --intermediates can read stdin ('-')");
  if (key) out.privateKey = cliSource(key, "--private-key");
  if (chain) out.intermediates = cliSource(chain, "--intermediates");
  if (pass !== undefined) out.passphrase = cliPassword(pass);
  return out;
}

/** Stdin can be read once: read it now and keep the bytes for every later load (offline and online). */
async function pinStdin(identity: DoctorRequest["identity"], stdin: NodeJS.ReadableStream): Promise<DoctorRequest["identity"]> {
  const keys = (["certificate", "privateKey", "intermediates"] as const).filter((k) => {
    const v = identity[k];
    return typeof v === "object" && v !== null && "stdin" in v;
  });
  if (keys.length === 0) return identity;
  const bytes = stdinBytes(await readAllStdin(stdin));
  const out = { ...identity };
  for (const k of keys) out[k] = bytes;
  return out;
}

/**
 * The terminal password prompt of the credential commands, asked at most once
 * per source: doctor loads the key offline and again for --online.
 */
function rememberedPrompt(env: NodeJS.ProcessEnv): (what: string) => Promise<string | undefined> {
  const ask = cliIdentityIo(env).promptPassword!;
  const answers = new Map<string, Promise<string | undefined>>();
  return (what) => {
    let answer = answers.get(what);
    if (!answer) {
      answer = ask(what);
      answers.set(what, answer);
    }
    return answer;
  };
}

/** The session flags as given: missing ARNs become failed checks, not usage errors. */
export function settingsFromArgs(args: ParsedArgs): SessionSettings {
  const s: SessionSettings = {};
  const set = <K extends keyof SessionSettings>(k: K, v: SessionSettings[K] | undefined) => {
    if (v !== undefined && v !== "") s[k] = v;
  };
  set("trustAnchorArn", str(args, "trust-anchor-arn"));
  set("profileArn", str(args, "profile-arn"));
  set("roleArn", str(args, "role-arn"));
  set("region", str(args, "region"));
  set("endpoint", str(args, "endpoint"));
  set("durationSeconds", num(args, "session-duration"));
  set("roleSessionName", str(args, "role-session-name"));
  if (bool(args, "no-verify-ssl")) s.noVerifySsl = true;
  return s;
}

/**
 * The `--assume-role` hops, checked offline: every value as STS would check it,
 * and the STS endpoint they would go to. (With --online only CreateSession is
 * called; the hops are not.)
 */
async function roleChainChecks(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  if (!args.given.has("assume-role")) return [];
  const [{ hopsFromArgs }, { pass, fail }, { resolveStsCallConfig }, { resolveRegion }] = await Promise.all([
    import("../assume-role-options.js"),
    import("../../doctor/results.js"),
    import("../../sources/sts/config.js"),
    import("../../session/endpoint.js"),
  ]);
  const out: CheckResult[] = [];
  try {
    const hops = hopsFromArgs(args, (path) => readFileSync(path, "utf8"));
    out.push(pass("role chain", `${hops.length} AssumeRole hop${hops.length > 1 ? "s" : ""}: ${hops.map((h) => h.roleArn).join(" → ")} (${hops[0]!.durationSeconds} s each, role chaining: at most 3600)`));
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    out.push(fail("role chain", e.message ?? String(err), e.hint ?? "fix the --assume-role flags"));
    return out;
  }
  try {
    const anchor = str(args, "trust-anchor-arn")?.split(":")[3] ?? "";
    const region = resolveRegion(str(args, "region"), anchor);
    const sts = resolveStsCallConfig(
      { region: region.region, fips: region.fips || env.AWS_USE_FIPS_ENDPOINT === "true", dualStack: env.AWS_USE_DUALSTACK_ENDPOINT === "true", stsEndpoint: str(args, "sts-endpoint") },
      { tls: { rejectUnauthorized: true }, proxy: { httpProxy: new Secret(""), httpsProxy: new Secret(""), noProxy: "" }, timeoutMs: 1, maxAttempts: 1 },
      env,
    );
    out.push(pass("STS endpoint", `${sts.endpoint.href} (from ${sts.endpoint.source === "default" ? `the default for ${region.region}` : sts.endpoint.source}, signed for ${sts.endpoint.signingRegion})`));
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    out.push(fail("STS endpoint", e.message ?? String(err), e.hint ?? "fix --sts-endpoint or AWS_ENDPOINT_URL_STS"));
  }
  return out;
}

export const command: CommandModule = {
  name: "doctor",
  describe: "Check a setup offline (and online with --online) and print a checklist with what to fix",
  usage: "signing-helper doctor --certificate FILE --private-key FILE [--intermediates FILE] [--trust-anchor-cert FILE] --trust-anchor-arn ARN --profile-arn ARN --role-arn ARN [--online]",
  flags: [
    ...credentialFlags,
    { name: "trust-anchor-cert", type: "string", describe: "PEM file of the CA certificate(s) uploaded as the trust anchor: check the chain up to it" },
    { name: "online", type: "boolean", describe: "Also compare the clock with the endpoint's and call CreateSession" },
    { name: "json", type: "boolean", describe: "Print the checklist as one JSON object: {ok, summary, checks: [{status, check, detail, fix}]}" },
  ],
  async run(args, ctx) {
    const identity = identityFromArgs(args);
    const req: DoctorRequest = {
      identity: await pinStdin(identity, ctx.stdin),
      settings: settingsFromArgs(args),
    };
    const taCert = str(args, "trust-anchor-cert");
    if (taCert) req.trustAnchorCertPath = taCert;
    const { gatherOfflineFacts, gatherOnlineFacts, evaluateDoctor, formatChecklist, formatChecklistJson, doctorExitCode } = await import(
      "../../doctor/index.js"
    );
    const promptPassword = rememberedPrompt(ctx.env);
    const facts = await gatherOfflineFacts(req, { env: ctx.env, io: { promptPassword } });
    if (bool(args, "online")) {
      facts.online = await gatherOnlineFacts(req, facts, { env: ctx.env, promptPassword, ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}) });
    }
    const results = evaluateDoctor(facts);
    results.push(...(await roleChainChecks(args, ctx.env)));
    const out = ctx.stdout as Partial<NodeJS.WriteStream>;
    // Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
    const color = out.isTTY === true && !ctx.env.NO_COLOR;
    ctx.stdout.write(bool(args, "json") ? formatChecklistJson(results) : formatChecklist(results, { color }));
    return doctorExitCode(results);
  },
};
