import type { ParsedArgs } from "./args.js";
import { bool, missingFlags, num, str } from "./args.js";
import type { SessionInit } from "../session/config.js";
import { UsageError } from "../errors.js";

/** Maps the official session flags onto the session client's Init. */
export function sessionInitFromArgs(args: ParsedArgs): SessionInit {
  const missing = ["trust-anchor-arn", "profile-arn", "role-arn"].filter((f) => !str(args, f));
  if (missing.length) {
    throw missingFlags(args, missing);
  }
  const init: SessionInit = {
    trustAnchorArn: str(args, "trust-anchor-arn")!,
    profileArn: str(args, "profile-arn")!,
    roleArn: str(args, "role-arn")!,
  };
  const region = str(args, "region");
  if (region) init.region = region;
  const endpoint = str(args, "endpoint");
  if (endpoint) init.endpoint = endpoint;
  const duration = num(args, "session-duration");
  if (duration !== undefined) init.durationSeconds = duration;
  const name = str(args, "role-session-name");
  if (name) init.roleSessionName = name;
  if (bool(args, "no-verify-ssl")) init.noVerifySsl = true;
  const timeout = num(args, "timeout");
  if (timeout !== undefined) {
    if (timeout < 1 || timeout > 600) {
      throw new UsageError(`--timeout must be from 1 to 600 seconds, not '${timeout}'`, { hint: "the default is 15: enough for three attempts at a healthy endpoint" });
    }
    init.timeoutMs = timeout * 1000;
  }
  return init;
}
