import { ConfigError } from "../errors.js";

/**
 * The principal an ARN from GetCallerIdentity stands for: for an assumed role
 * (`arn:<p>:sts::<acct>:assumed-role/<role>/<session>`) the role's ARN
 * (`arn:<p>:iam::<acct>:role/<role>`; STS's ARN does not carry the role's
 * path, so neither does this); any other ARN as it is.
 * @public
 */
export function principalArnOf(arn: string): string {
  const m = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
}

/**
 * A principal allowlist entry: an ARN where `*` stands for any run of
 * characters (`arn:aws:iam::111122223333:role/ci-*`). Matched against the
 * principal ARN (assumed roles normalised to the role) and the ARN STS gave.
 * @internal
 */
export function principalMatcher(patterns: readonly string[]): (arns: readonly string[]) => boolean {
  const res = patterns.map((p) => {
    if (!p.startsWith("arn:")) throw new ConfigError(`allowed principal '${p}' is not an ARN pattern`, { hint: "as in arn:aws:iam::111122223333:role/NAME or …:role/ci-*" });
    return new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  });
  return (arns) => res.some((re) => arns.some((a) => re.test(a)));
}
