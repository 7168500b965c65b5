/**
 * Whether a profile of the shared credentials file holds long-term keys, which
 * `update` must not overwrite unless told to: an IAM user's access key
 * (`AKIA…`), or any access key without a session token beside it (temporary
 * credentials always come with one). Pure.
 */
import { ConfigError } from "../../errors.js";
import { parseIni, readProfiles } from "../../credentials/ini.js";

/** Why the profile's keys look long-term, or undefined when they may be replaced. @public */
export function longTermKeysReason(text: string, profile: string): string | undefined {
  const entries = readProfiles(parseIni(text)).get(profile);
  const keyId = entries?.get("aws_access_key_id")?.trim();
  if (!entries || !keyId) return undefined;
  if (/^AKIA/.test(keyId)) return "an IAM user's access key (AKIA…)";
  if (!entries.get("aws_session_token")?.trim()) return "an access key without a session token";
  return undefined;
}

/** The refusal `update` gives for such a profile. @public */
export function longTermKeysError(path: string, profile: string, reason: string): ConfigError {
  return new ConfigError(`profile '${profile}' in ${path} holds long-term keys (${reason}): update would replace them, left unchanged`, {
    hint: "write another profile with --profile NAME, or pass --force to replace them",
  });
}
