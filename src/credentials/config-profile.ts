/**
 * Named profiles: the settings of a credential command read from a section of
 * the AWS config file users already have (`[profile ra]` in ~/.aws/config,
 * AWS_CONFIG_FILE honoured), under keys named after the flags with a
 * `rolesanywhere_` prefix and underscores (`rolesanywhere_trust_anchor_arn`).
 * The AWS CLI and SDKs ignore keys they do not know, so one section can hold
 * both ours and `credential_process = signing-helper credential-process
 * --config-profile ra`. Reading and selecting are pure; only configFileText
 * touches the file system.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { parseIni, readProfiles } from "./ini.js";

/** The prefix of our keys in a profile section. @public */
export const PROFILE_KEY_PREFIX = "rolesanywhere_";

/** The AWS config file: `AWS_CONFIG_FILE` (with `~/` expanded), else `~/.aws/config`. @public */
export function configFilePath(env: NodeJS.ProcessEnv, home: string | undefined = env.HOME): string {
  const given = env.AWS_CONFIG_FILE?.trim();
  const expand = (p: string) => (p === "~" || p.startsWith("~/") ? `${home ?? ""}${p.slice(1)}` : p);
  if (given) return expand(given);
  if (!home) {
    throw new ConfigError("cannot find the AWS config file: HOME is not set", { hint: "set AWS_CONFIG_FILE to the config file's path" });
  }
  return `${home}/.aws/config`;
}

/** The config file's text; a missing or unreadable file is a ConfigError naming it. @public */
export function configFileText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`AWS config file ${path}: ${code === "ENOENT" ? "not found" : (code ?? String(err))}`, {
      cause: err,
      hint: "create it (signing-helper init writes a profile), or point AWS_CONFIG_FILE at it",
    });
  }
}

/**
 * Our settings in one profile, keyed by setting name with the prefix removed and
 * underscores as dashes (`trust-anchor-arn`). The section is `[profile NAME]`,
 * or `[default]` for the name `default` (as the AWS CLI reads it).
 * @throws ConfigError when the profile is not in the file
 * @public
 */
export function profileSettings(text: string, profile: string, path: string): Map<string, string> {
  const sections = readProfiles(parseIni(text));
  const section = sections.get(`profile ${profile}`) ?? (profile === "default" ? sections.get("default") : undefined);
  if (!section) {
    const names = [...sections.keys()].filter((n) => n.startsWith("profile ")).map((n) => n.slice(8));
    throw new ConfigError(`profile '${profile}' is not in ${path}`, {
      hint: names.length ? `its profiles: ${names.join(", ")}` : `add a [profile ${profile}] section (signing-helper init writes one)`,
    });
  }
  const out = new Map<string, string>();
  for (const [key, value] of section) {
    if (key.startsWith(PROFILE_KEY_PREFIX)) out.set(key.slice(PROFILE_KEY_PREFIX.length).replace(/_/g, "-"), value);
  }
  return out;
}

/** The profile key of a setting (`trust-anchor-arn` → `rolesanywhere_trust_anchor_arn`). @public */
export function profileKey(setting: string): string {
  return PROFILE_KEY_PREFIX + setting.replace(/-/g, "_");
}
