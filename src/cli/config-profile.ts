/**
 * `--config-profile NAME`: fills the flags the command line left out from our
 * keys in `[profile NAME]` of the AWS config file. Precedence, as AWS tools
 * order settings: a flag on the command line > the environment (an endpoint
 * variable) > the profile > the default. Values are checked as the flags'.
 */
import type { FlagSpec, ParsedArgs } from "./args.js";
import { closest } from "./suggest.js";
import { configFilePath, configFileText, profileKey, profileSettings } from "../credentials/config-profile.js";
import { ConfigError } from "../errors.js";

/**
 * Settings that other credential commands take (serve, update, doctor…): ignored
 * by a command without that flag, so one profile serves every command. A unit
 * test checks that each is a flag of some credential command; a flag missing
 * here only costs a spurious "not a setting" warning.
 */
export const SETTINGS_OF_OTHER_COMMANDS: readonly string[] = [
  "audience", "audience-header", "auth-token", "auth-token-file", "bind", "cache", "no-cache", "no-account-id", "credentials-file", "follow-symlinks", "force",
  "format", "hop-limit", "json", "once", "online", "port", "profile", "trust-anchor-cert",
  // credential-process, serve and update only (so far): the SAML source
  "saml-assertion", "saml-idp-url", "saml-username", "saml-password", "principal-arn",
];

/** Environment variables that, when set, win over a profile's value of the setting. */
function envOver(setting: string, env: NodeJS.ProcessEnv): string | undefined {
  if (/^(true)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim() ?? "")) return undefined;
  const names = setting === "endpoint" ? ["AWS_ENDPOINT_URL_ROLESANYWHERE", "AWS_ENDPOINT_URL"] : setting === "sts-endpoint" ? ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] : [];
  return names.find((n) => env[n]?.trim());
}

function badValue(key: string, profile: string, why: string, hint?: string): ConfigError {
  return new ConfigError(`${key} in profile '${profile}': ${why}`, hint ? { hint } : undefined);
}

/** One profile value as the flag's type. */
function typed(spec: FlagSpec, raw: string, key: string, profile: string): string | number | boolean | string[] {
  const v = raw.trim();
  if (spec.repeat) return v.split(",").map((s) => s.trim()).filter(Boolean);
  if (spec.type === "boolean") {
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    throw badValue(key, profile, `takes true or false, not '${v}'`);
  }
  if (spec.type === "number") {
    if (!/^-?\d+$/.test(v)) throw badValue(key, profile, `must be a whole number, not '${v}'`);
    return Number(v);
  }
  if (spec.choices && !spec.choices.includes(v)) throw badValue(key, profile, `must be one of ${spec.choices.join(", ")}, not '${v}'`);
  return v;
}

/**
 * Reads the profile and puts its values into `args` for the flags not given on
 * the command line; `warn` gets a line per unknown key. A password must be a
 * reference (`env:NAME`), never the password itself: config files are often
 * readable by others and copied around.
 */
export function applyConfigProfile(args: ParsedArgs, specs: readonly FlagSpec[], env: NodeJS.ProcessEnv, profile: string, warn: (line: string) => void): void {
  const path = configFilePath(env);
  const settings = profileSettings(configFileText(path), profile, path);
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const [setting, raw] of settings) {
    const key = profileKey(setting);
    const spec = byName.get(setting);
    if (!spec || spec.hidden || spec.unsupported || setting === "config-profile") {
      if (spec || SETTINGS_OF_OTHER_COMMANDS.includes(setting)) continue;
      const near = closest(setting, [...byName.keys(), ...SETTINGS_OF_OTHER_COMMANDS]);
      warn(`${key} in profile '${profile}' (${path}) is not a setting of this tool${near ? `: did you mean ${profileKey(near)}?` : ""}`);
      continue;
    }
    if (args.given.has(setting) || envOver(setting, env)) continue;
    if (/password|pin/.test(setting) && !/^(env|file):./.test(raw.trim())) {
      throw badValue(key, profile, "give env:NAME, not the password itself", "config files are often readable by others and copied around; keep the password in an environment variable");
    }
    if (raw.trim() === "") continue;
    args.flags[setting] = typed(spec, raw, key, profile);
    args.fromProfile.add(setting);
  }
  args.profile = { name: profile, path };
}
