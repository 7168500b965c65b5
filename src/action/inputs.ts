/**
 * The Action's inputs, read from the environment the runner sets: each input
 * `some-name` of action.yml arrives as `INPUT_SOME-NAME` (upper case, spaces as
 * `_`), an empty string when not given. Pure: the environment is a parameter.
 * Key material stays a string in memory; nothing here is written anywhere.
 */
import { ConfigError } from "../errors.js";
import type { FromRolesAnywhereInit } from "../provider/from-roles-anywhere.js";
import type { AssumeRoleHopInit, SessionTag } from "../sources/assume-role/options.js";

/** The environment variable the runner uses for an input (as @actions/core reads it). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** An input's value with surrounding white space removed; "" when unset. */
export function readInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[inputVariable(name)] ?? "").trim();
}

/** The parsed inputs. */
export interface ActionInputs {
  /** For fromRolesAnywhere(): certificate, key, chain and password as values, ARNs and session options. */
  init: FromRolesAnywhereInit;
  /** Also set the credentials as step outputs (`output-credentials: true`). */
  outputCredentials: boolean;
}

/**
 * One row per input that maps onto a fromRolesAnywhere() option. A new option
 * (for example a role-chaining one) is one more row here and one in action.yml.
 */
const OPTION_INPUTS: { input: string; set: (init: FromRolesAnywhereInit, value: string) => void }[] = [
  { input: "private-key", set: (i, v) => (i.privateKey = v) },
  { input: "intermediates", set: (i, v) => (i.intermediates = v) },
  { input: "private-key-password", set: (i, v) => (i.passphrase = v) },
  { input: "region", set: (i, v) => (i.region = v) },
  { input: "endpoint", set: (i, v) => (i.endpoint = v) },
  { input: "role-session-name", set: (i, v) => (i.roleSessionName = v) },
  { input: "session-duration", set: (i, v) => (i.durationSeconds = parseSeconds("session-duration", v)) },
  { input: "sts-endpoint", set: (i, v) => (i.stsEndpoint = v) },
];

/** Lines of a multi-line input (one item per line), blank lines left out. */
function lines(v: string): string[] {
  return v
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/**
 * The role-chaining inputs, as the CLI's flags: `assume-role` lists the roles in
 * order (one ARN per line); `assume-role-duration` applies to each hop; every
 * other one to the last hop. One row per hop option.
 */
const LAST_HOP_INPUTS: { input: string; set: (hop: AssumeRoleHopInit, value: string) => void }[] = [
  { input: "assume-role-session-name", set: (h, v) => (h.roleSessionName = v) },
  { input: "external-id", set: (h, v) => (h.externalId = v) },
  { input: "source-identity", set: (h, v) => (h.sourceIdentity = v) },
  { input: "session-tags", set: (h, v) => (h.tags = lines(v).map(parseTag)) },
  { input: "transitive-tag-keys", set: (h, v) => (h.transitiveTagKeys = lines(v)) },
  { input: "session-policy", set: (h, v) => (h.policy = v) },
  { input: "session-policy-arns", set: (h, v) => (h.policyArns = lines(v)) },
];

function parseTag(line: string): SessionTag {
  const eq = line.indexOf("=");
  if (eq <= 0) throw new ConfigError(`input session-tags: each line must be KEY=VALUE, got ${JSON.stringify(line)}`);
  return { key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() };
}

function readHops(env: NodeJS.ProcessEnv): AssumeRoleHopInit[] | undefined {
  const roles = lines(readInput(env, "assume-role"));
  const others = [...LAST_HOP_INPUTS.map((r) => r.input), "assume-role-duration"].filter((n) => readInput(env, n) !== "");
  if (roles.length === 0) {
    if (others.length > 0) throw new ConfigError(`input ${others.join(", ")} ${others.length > 1 ? "need" : "needs"} assume-role`, { hint: "set `assume-role:` to the role(s) to assume after the Roles Anywhere session" });
    return undefined;
  }
  const d = readInput(env, "assume-role-duration");
  const duration = d === "" ? undefined : parseSeconds("assume-role-duration", d);
  const hops: AssumeRoleHopInit[] = roles.map((roleArn) => ({ roleArn, ...(duration !== undefined ? { durationSeconds: duration } : {}) }));
  const last = hops[hops.length - 1]!;
  for (const { input, set } of LAST_HOP_INPUTS) {
    const v = readInput(env, input);
    if (v !== "") set(last, v);
  }
  return hops;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = readInput(env, name);
  if (v === "") throw new ConfigError(`input ${name} is required`, { hint: `set \`${name}:\` under \`with:\` in the step` });
  return v;
}

function parseSeconds(name: string, v: string): number {
  if (!/^\d{1,6}$/.test(v)) throw new ConfigError(`input ${name} must be a whole number of seconds, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** A boolean input as the runner's toolkit reads one: true/True/TRUE, false/False/FALSE, or empty (the default). */
export function readBoolean(env: NodeJS.ProcessEnv, name: string, defaultValue: boolean): boolean {
  const v = readInput(env, name);
  if (v === "") return defaultValue;
  if (["true", "True", "TRUE"].includes(v)) return true;
  if (["false", "False", "FALSE"].includes(v)) return false;
  throw new ConfigError(`input ${name} must be true or false, got ${JSON.stringify(v)}`);
}

/** The lines of a secret value worth masking: every line but PEM armour and short ones. */
function secretLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 8 && !l.startsWith("-----"));
}

/**
 * Reads and checks the inputs.
 * @throws ConfigError naming the input that is missing or malformed.
 */
export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const init: FromRolesAnywhereInit = {
    certificate: required(env, "certificate"),
    trustAnchorArn: required(env, "trust-anchor-arn"),
    profileArn: required(env, "profile-arn"),
    roleArn: required(env, "role-arn"),
  };
  for (const { input, set } of OPTION_INPUTS) {
    const v = readInput(env, input);
    if (v !== "") set(init, v);
  }
  const hops = readHops(env);
  if (hops !== undefined) init.assumeRole = hops;
  return { init, outputCredentials: readBoolean(env, "output-credentials", false) };
}

/**
 * The lines of the secret inputs (private key, its password) to mask before
 * anything else is printed, even when another input is wrong. Secrets passed
 * from `secrets.*` are masked by the runner already; this covers a key passed
 * from a variable or an output.
 */
export function secretInputLines(env: NodeJS.ProcessEnv): string[] {
  return ["private-key", "private-key-password"].flatMap((n) => secretLines(readInput(env, n)));
}
