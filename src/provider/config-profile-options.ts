/**
 * `fromRolesAnywhere({ configProfile })`: the options the caller left out, from
 * the rolesanywhere_* keys of `[profile NAME]` in the AWS config file (the
 * same profiles the CLI's `--config-profile` reads). Precedence: an explicit
 * option > the environment (endpoint and region variables) > the profile >
 * the default.
 */
import { ConfigError } from "../errors.js";
import type { IdentityInput, Pkcs11Input } from "../identity/types.js";
import type { AssumeRoleHopInit } from "../sources/assume-role/options.js";
import { configFilePath, configFileText, profileKey, profileSettings } from "../credentials/config-profile.js";

/** The options a profile can supply (a subset of FromRolesAnywhereInit). */
export interface ProfileOptions {
  certificate?: IdentityInput | Pkcs11Input;
  privateKey?: IdentityInput | Pkcs11Input;
  intermediates?: IdentityInput;
  passphrase?: IdentityInput;
  trustAnchorArn?: string;
  profileArn?: string;
  roleArn?: string;
  region?: string;
  endpoint?: string;
  durationSeconds?: number;
  roleSessionName?: string;
  assumeRole?: readonly AssumeRoleHopInit[];
  stsEndpoint?: string;
}

const envSet = (env: NodeJS.ProcessEnv, names: readonly string[]) =>
  !/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim() ?? "") && names.some((n) => env[n]?.trim());

/**
 * Reads the profile and returns `init` with the options it left out filled in.
 * @throws ConfigError for a missing file or profile, a value that is not usable, or no certificate at all
 */
export function withConfigProfile<T extends ProfileOptions & { configProfile: string; env?: NodeJS.ProcessEnv }>(init: T, env: NodeJS.ProcessEnv): T {
  const name = init.configProfile.trim();
  const path = configFilePath(env);
  const s = profileSettings(configFileText(path), name, path);
  const bad = (setting: string, why: string) => new ConfigError(`${profileKey(setting)} in profile '${name}' (${path}): ${why}`);
  const home = env.HOME ?? "";
  const expand = (p: string) => (p === "~" || p.startsWith("~/") ? home + p.slice(1) : p);
  const source = (setting: string): IdentityInput | Pkcs11Input | undefined => {
    const v = s.get(setting)?.trim();
    if (!v) return undefined;
    if (v.startsWith("env:")) return { env: v.slice(4) };
    if (/^pkcs11:/i.test(v)) {
      const lib = s.get("pkcs11-lib")?.trim();
      return { pkcs11: v, ...(lib ? { module: expand(lib) } : {}) };
    }
    return { path: expand(v) };
  };
  const text = (setting: string) => s.get(setting)?.trim() || undefined;
  const int = (setting: string) => {
    const v = text(setting);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw bad(setting, `must be a whole number, not '${v}'`);
    return Number(v);
  };
  const list = (setting: string) => (text(setting) ?? "").split(",").map((x) => x.trim()).filter(Boolean);

  const out: T = { ...init };
  const fill = <K extends keyof ProfileOptions>(key: K, value: ProfileOptions[K] | undefined) => {
    if (out[key] === undefined && value !== undefined) (out as ProfileOptions)[key] = value;
  };
  fill("certificate", source("certificate"));
  fill("privateKey", source("private-key"));
  fill("intermediates", source("intermediates") as IdentityInput | undefined);
  const pass = text("pkcs8-password");
  if (pass !== undefined && !pass.startsWith("env:")) throw bad("pkcs8-password", "give env:NAME, not the password itself");
  fill("passphrase", pass ? { env: pass.slice(4) } : undefined);
  fill("trustAnchorArn", text("trust-anchor-arn"));
  fill("profileArn", text("profile-arn"));
  fill("roleArn", text("role-arn"));
  fill("roleSessionName", text("role-session-name"));
  fill("durationSeconds", int("session-duration"));
  if (!env.AWS_REGION?.trim()) fill("region", text("region"));
  if (!envSet(env, ["AWS_ENDPOINT_URL_ROLESANYWHERE", "AWS_ENDPOINT_URL"])) fill("endpoint", text("endpoint"));
  if (!envSet(env, ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])) fill("stsEndpoint", text("sts-endpoint"));
  const roles = list("assume-role");
  if (out.assumeRole === undefined && roles.length > 0) {
    const duration = int("assume-role-duration");
    const tags: Record<string, string> = {};
    for (const t of list("session-tag")) {
      const eq = t.indexOf("=");
      if (eq < 1) throw bad("session-tag", `'${t.slice(0, 60)}' is not KEY=VALUE`);
      tags[t.slice(0, eq)] = t.slice(eq + 1);
    }
    const last: AssumeRoleHopInit = { roleArn: roles[roles.length - 1]! };
    const set = <K extends keyof AssumeRoleHopInit>(k: K, v: AssumeRoleHopInit[K] | undefined) => {
      if (v !== undefined) last[k] = v;
    };
    set("roleSessionName", text("assume-role-session-name"));
    set("externalId", text("external-id"));
    set("sourceIdentity", text("source-identity"));
    if (Object.keys(tags).length) last.tags = tags;
    if (list("transitive-tag-key").length) last.transitiveTagKeys = list("transitive-tag-key");
    set("policy", text("session-policy"));
    if (list("session-policy-arn").length) last.policyArns = list("session-policy-arn");
    out.assumeRole = [...roles.slice(0, -1).map((roleArn) => ({ roleArn })), last].map((h) => (duration !== undefined ? { ...h, durationSeconds: duration } : h));
  }
  if (out.certificate === undefined) {
    throw new ConfigError(`no certificate: give the certificate option, or rolesanywhere_certificate in profile '${name}' (${path})`);
  }
  return out;
}
