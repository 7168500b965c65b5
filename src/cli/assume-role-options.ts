import type { FlagSpec, ParsedArgs } from "./args.js";
import { num, str } from "./args.js";
import { ConfigError, UsageError } from "../errors.js";
import type { ResolvedSessionConfig } from "../session/config.js";
import type { BaseCredentialSource } from "../credentials/source.js";
import { stsConfigForSession, withAssumeRoleHops, type HopStageOptions } from "../credentials/hops.js";
import { resolveHops, type AssumeRoleHopInit, type HopNamer, type ResolvedHop } from "../sources/assume-role/options.js";

/** The role-chaining flags every credential command accepts. */
export const assumeRoleFlags: FlagSpec[] = [
  { name: "assume-role", type: "string", repeat: true, describe: "After the Roles Anywhere session, assume this role with STS AssumeRole (repeat for more hops, in order)" },
  { name: "assume-role-session-name", type: "string", describe: "Role session name of the last hop (2-64 of letters, digits, + = , . @ _ -)" },
  { name: "external-id", type: "string", describe: "External id the last hop's role trust policy requires" },
  { name: "source-identity", type: "string", describe: "Source identity to set on the last hop (kept for the rest of the chain)" },
  { name: "session-tag", type: "string", repeat: true, describe: "Session tag KEY=VALUE of the last hop (at most 50)" },
  { name: "transitive-tag-key", type: "string", repeat: true, describe: "Key of a --session-tag that passes on to later role sessions" },
  { name: "session-policy", type: "string", describe: "Inline session policy of the last hop: a JSON document, or a file holding one" },
  { name: "session-policy-arn", type: "string", repeat: true, describe: "Managed session policy ARN of the last hop (at most 10)" },
  { name: "assume-role-duration", type: "number", describe: "Session duration of each hop in seconds (900-3600: STS caps role chaining at one hour)" },
  { name: "sts-endpoint", type: "string", describe: "STS endpoint URL (default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else the region's regional endpoint)" },
];

const LAST_HOP_FLAGS: Record<Exclude<keyof AssumeRoleHopInit, "roleArn" | "durationSeconds">, string> = {
  roleSessionName: "--assume-role-session-name",
  externalId: "--external-id",
  sourceIdentity: "--source-identity",
  tags: "--session-tag",
  transitiveTagKeys: "--transitive-tag-key",
  policy: "--session-policy",
  policyArns: "--session-policy-arn",
};

/** The flag behind each hop setting, for messages. */
export const cliHopNames: HopNamer = (setting, index, count) => {
  if (setting === "roleArn") return count > 1 ? `--assume-role (hop ${index + 1})` : "--assume-role";
  if (setting === "durationSeconds") return "--assume-role-duration";
  return LAST_HOP_FLAGS[setting];
};

const list = (args: ParsedArgs, name: string): string[] => {
  const v = args.flags[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
};

/** `--session-policy`: JSON text when it starts with `{`, else a file to read. */
function sessionPolicy(value: string, readFile: (path: string) => string): string {
  if (value.trimStart().startsWith("{")) return value;
  try {
    return readFile(value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(`--session-policy: cannot read '${value}' (${code})`, {
      hint: "give the policy as JSON text (starting with '{') or the path of a readable file holding it",
    });
  }
}

/**
 * The hops of the chain from the flags: one per `--assume-role`, in order;
 * every other chaining flag applies to the last hop, `--assume-role-duration`
 * to each. Checked as STS would, before anything is sent.
 * @throws UsageError for a chaining flag without --assume-role; ConfigError for a bad value.
 */
export function hopsFromArgs(args: ParsedArgs, readFile: (path: string) => string): ResolvedHop[] {
  const roles = list(args, "assume-role");
  if (roles.length === 0) {
    const stray = assumeRoleFlags.filter((f) => f.name !== "assume-role" && args.given.has(f.name)).map((f) => `--${f.name}`);
    if (stray.length) {
      throw new UsageError(`${stray.join(", ")} ${stray.length > 1 ? "need" : "needs"} --assume-role`, {
        hint: "add --assume-role ARN for the role to assume after the Roles Anywhere session",
      });
    }
    return [];
  }
  const duration = num(args, "assume-role-duration");
  const hops: AssumeRoleHopInit[] = roles.map((roleArn) => ({ roleArn, ...(duration !== undefined ? { durationSeconds: duration } : {}) }));
  const last = hops[hops.length - 1]!;
  const name = str(args, "assume-role-session-name");
  if (name !== undefined) last.roleSessionName = name;
  const externalId = str(args, "external-id");
  if (externalId !== undefined) last.externalId = externalId;
  const sourceIdentity = str(args, "source-identity");
  if (sourceIdentity !== undefined) last.sourceIdentity = sourceIdentity;
  const tags = list(args, "session-tag").map((t) => {
    const eq = t.indexOf("=");
    if (eq <= 0) throw new ConfigError(`--session-tag: expected KEY=VALUE, got '${t}'`, { hint: "write each tag as --session-tag team=core" });
    return { key: t.slice(0, eq), value: t.slice(eq + 1) };
  });
  if (tags.length) last.tags = tags;
  const transitive = list(args, "transitive-tag-key");
  if (transitive.length) last.transitiveTagKeys = transitive;
  const policy = str(args, "session-policy");
  if (policy !== undefined) last.policy = sessionPolicy(policy, readFile);
  const arns = list(args, "session-policy-arn");
  if (arns.length) last.policyArns = arns;
  return resolveHops(hops, { name: cliHopNames, chainedFirst: true });
}

/** The pipeline of a credential command: the base source, then the hops of the flags. */
export interface CliPipeline {
  source: BaseCredentialSource;
  /** The role the credentials are for: the last hop's, else the session's. */
  roleArn: string;
  accountId: string;
  hops: readonly ResolvedHop[];
}

/**
 * Puts the AssumeRole hops of the flags after `base`. With no --assume-role,
 * `base` is returned as it is (nothing more is loaded).
 */
export function cliPipeline(
  base: BaseCredentialSource,
  args: ParsedArgs,
  config: ResolvedSessionConfig,
  env: NodeJS.ProcessEnv,
  opts: HopStageOptions & { readFile: (path: string) => string },
): CliPipeline {
  const hops = hopsFromArgs(args, opts.readFile);
  for (const h of hops) {
    if (h.partition !== config.arns.role.partition) {
      throw new ConfigError(`${cliHopNames("roleArn", hops.indexOf(h), hops.length)}: partition ${h.partition} differs from --role-arn's partition ${config.arns.role.partition}`, {
        hint: "STS hands out roles of its own partition only",
      });
    }
  }
  if (hops.length === 0) {
    return { source: base, roleArn: config.roleArn, accountId: config.accountId, hops };
  }
  const sts = stsConfigForSession(config, env, str(args, "sts-endpoint"));
  const last = hops[hops.length - 1]!;
  const { readFile: _r, ...stage } = opts;
  return { source: withAssumeRoleHops(base, hops, sts, stage), roleArn: last.roleArn, accountId: last.accountId, hops };
}
