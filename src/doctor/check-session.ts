/**
 * Checks of the session settings: the three ARNs (each well-formed; trust
 * anchor and profile in one partition, region and account), the region and
 * endpoint as CreateSession will resolve them, the duration and session name,
 * and TLS settings. Pure: flags and environment values in, results out.
 */
import { settingFlag } from "../errors.js";
import { parseProfileArn, parseRoleArn, parseTrustAnchorArn, type ParsedArn } from "../session/arn.js";
import { isLoopbackHost, resolveEndpoint, resolveRegion, type ResolvedEndpoint } from "../session/endpoint.js";
import { fail, failFromProblem, pass, plural, skip, toProblem as problemOf, warn } from "./results.js";
import type { CheckResult, DoctorFacts, Problem } from "./types.js";

/** The checks' names, as printed. @internal */
export const SESSION_CHECKS = {
  trustAnchorArn: "trust anchor ARN",
  profileArn: "profile ARN",
  roleArn: "role ARN",
  arnsMatch: "ARNs match",
  region: "region",
  endpoint: "endpoint",
  settings: "session settings",
  tls: "TLS",
} as const;

/** Where the endpoint and region came out, for the proxy and online checks. @internal */
export interface SessionResolution {
  region?: string;
  endpoint?: ResolvedEndpoint;
}

const WHERE_TO_FIND = "(aws rolesanywhere list-trust-anchors / list-profiles, aws iam get-role)";

function arnLine(
  check: string,
  flag: string,
  value: string | undefined,
  parse: (v: string) => ParsedArn,
  example: string,
): { result: CheckResult; arn?: ParsedArn } {
  if (value === undefined || value === "") {
    return { result: fail(check, "not given", `pass ${flag} ${example} ${WHERE_TO_FIND}`) };
  }
  try {
    const arn = parse(value);
    const where = arn.region ? `region ${arn.region}, account ${arn.accountId}` : `account ${arn.accountId}`;
    return { result: pass(check, `${value} (${where})`), arn };
  } catch (err) {
    return { result: failFromProblem(check, problemOf(err), `fix ${flag}: ${example}`) };
  }
}

function envBool(env: DoctorFacts["env"], name: string): { value: boolean; problem?: Problem } {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === "") return { value: false };
  if (raw === "true") return { value: true };
  if (raw === "false") return { value: false };
  return { value: false, problem: { message: `${name}: expected true or false, got '${env[name]}'`, hint: `set ${name} to true or false, or unset it` } };
}

/**
 * The ARN, region, endpoint, session-setting and TLS checks.
 * @internal
 */
export function checkSession(f: DoctorFacts): { results: CheckResult[]; resolution: SessionResolution } {
  const c = SESSION_CHECKS;
  const s = f.settings;
  const out: CheckResult[] = [];
  const ta = arnLine(c.trustAnchorArn, "--trust-anchor-arn", s.trustAnchorArn, parseTrustAnchorArn, "arn:aws:rolesanywhere:<region>:<account>:trust-anchor/<id>");
  const profile = arnLine(c.profileArn, "--profile-arn", s.profileArn, parseProfileArn, "arn:aws:rolesanywhere:<region>:<account>:profile/<id>");
  const role = arnLine(c.roleArn, "--role-arn", s.roleArn, parseRoleArn, "arn:aws:iam::<account>:role/<name>");
  out.push(ta.result, profile.result, role.result);
  out.push(...arnsMatch(ta.arn, profile.arn, role.arn));

  const resolution: SessionResolution = {};
  // Region: --region, else the trust anchor's.
  if (!ta.arn && !s.region) {
    out.push(skip(c.region, "needs a valid --trust-anchor-arn (or --region)"));
  } else {
    try {
      const r = resolveRegion(s.region, ta.arn?.region ?? "");
      resolution.region = r.region;
      const fipsNote = r.fips ? ", FIPS" : "";
      out.push(pass(c.region, `${r.region} (from ${r.source === "region" ? settingFlag("region") : r.source}${fipsNote})`));
      if (ta.arn && r.region !== ta.arn.region) {
        out.push(
          warn(
            c.region,
            `requests are signed for ${r.region}, but the trust anchor is in ${ta.arn.region}; the service of one region does not know the other's trust anchors`,
            "drop --region: it defaults to the trust anchor's region",
          ),
        );
      }
    } catch (err) {
      out.push(failFromProblem(c.region, problemOf(err), "fix --region, or omit it to use the trust anchor ARN's region"));
    }
  }

  out.push(...endpointLines(f, resolution));
  out.push(settingsLine(f));
  out.push(...tlsLines(f));
  return { results: out, resolution };
}

function arnsMatch(ta: ParsedArn | undefined, profile: ParsedArn | undefined, role: ParsedArn | undefined): CheckResult[] {
  const c = SESSION_CHECKS;
  if (!ta || !profile) return [skip(c.arnsMatch, "needs a valid trust anchor ARN and profile ARN")];
  const out: CheckResult[] = [];
  const diffs: string[] = [];
  if (ta.partition !== profile.partition) diffs.push(`partition (trust anchor ${ta.partition}, profile ${profile.partition})`);
  if (ta.region !== profile.region) diffs.push(`region (trust anchor in ${ta.region}, profile in ${profile.region})`);
  if (ta.accountId !== profile.accountId) diffs.push(`account (trust anchor in ${ta.accountId}, profile in ${profile.accountId})`);
  if (diffs.length) {
    const where = [ta.partition !== profile.partition ? `partition ${ta.partition}` : "", ta.region !== profile.region ? `region ${ta.region}` : "", ta.accountId !== profile.accountId ? `account ${ta.accountId}` : ""]
      .filter(Boolean)
      .join(", ");
    out.push(
      fail(
        c.arnsMatch,
        `the trust anchor and the profile differ in ${diffs.join(" and ")}`,
        `a trust anchor and a profile work together only within one partition, region and account: pass the --profile-arn of a profile in the trust anchor's ${where} (or the trust anchor of the profile's)`,
      ),
    );
  }
  if (role && role.partition !== ta.partition) {
    out.push(fail(c.arnsMatch, `the role is in partition ${role.partition}, the trust anchor in ${ta.partition}`, "use a role of the trust anchor's partition"));
  } else if (role && role.accountId !== profile.accountId) {
    out.push(
      warn(
        c.arnsMatch,
        `the role is in account ${role.accountId}, the profile in account ${profile.accountId}`,
        "a profile can only hand out roles of its own account: use a role of that account (and assume the other role from it)",
      ),
    );
  }
  if (out.length === 0) out.push(pass(c.arnsMatch, `trust anchor and profile in ${ta.partition} ${ta.region}, account ${ta.accountId}${role ? "; role in the same account" : ""}`));
  return out;
}

function endpointLines(f: DoctorFacts, resolution: SessionResolution): CheckResult[] {
  const c = SESSION_CHECKS;
  const env = f.env;
  const ignore = envBool(env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  const fipsEnv = envBool(env, "AWS_USE_FIPS_ENDPOINT");
  const dual = envBool(env, "AWS_USE_DUALSTACK_ENDPOINT");
  for (const b of [ignore, fipsEnv, dual]) if (b.problem) return [failFromProblem(c.endpoint, b.problem, "")];
  const custom = ignore.value ? undefined : env.AWS_ENDPOINT_URL_ROLESANYWHERE || f.settings.endpoint || env.AWS_ENDPOINT_URL;
  if (resolution.region === undefined && !custom) return [skip(c.endpoint, "needs the region")];
  const region = resolution.region ?? "";
  const fipsRegion = /^fips-|-fips$/.test(f.settings.region ?? "");
  let ep: ResolvedEndpoint;
  try {
    ep = resolveEndpoint({
      region,
      endpoint: f.settings.endpoint,
      serviceEndpointEnv: ignore.value ? undefined : env.AWS_ENDPOINT_URL_ROLESANYWHERE,
      globalEndpointEnv: ignore.value ? undefined : env.AWS_ENDPOINT_URL,
      fips: fipsEnv.value || fipsRegion,
      dualStack: dual.value,
    });
  } catch (err) {
    return [failFromProblem(c.endpoint, problemOf(err), "fix --endpoint or AWS_ENDPOINT_URL_ROLESANYWHERE")];
  }
  resolution.endpoint = ep;
  const from = ep.source === "default" ? `the default for ${region}` : ep.source === "endpoint" ? settingFlag("endpoint") : ep.source;
  const out: CheckResult[] = [pass(c.endpoint, `${ep.href} (from ${from})`)];
  for (const w of ep.warnings) out.push(warn(c.endpoint, w));
  const hostname = new URL(ep.origin).hostname;
  if (ep.protocol === "http:" && !isLoopbackHost(hostname)) {
    out.push(warn(c.endpoint, `${ep.origin} is plain HTTP: the credentials come back unencrypted`, "use an https:// endpoint"));
  }
  const hostRegion = /^rolesanywhere(?:-fips)?\.([a-z0-9-]+)\./.exec(hostname)?.[1];
  if (hostRegion && region && hostRegion !== region) {
    out.push(
      warn(c.endpoint, `the endpoint is in ${hostRegion}, but requests are signed for ${region}`, "use the endpoint of the trust anchor's region, or drop --endpoint"),
    );
  }
  return out;
}

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function settingsLine(f: DoctorFacts): CheckResult {
  const c = SESSION_CHECKS;
  const d = f.settings.durationSeconds ?? 3600;
  if (!Number.isInteger(d) || d < 900 || d > 43200) {
    return fail(c.settings, `--session-duration ${d} is outside 900-43200 seconds`, "pass --session-duration between 900 and 43200 (the profile and role may cap it lower)");
  }
  const name = f.settings.roleSessionName;
  if (name !== undefined && name !== "" && !SESSION_NAME.test(name)) {
    return fail(c.settings, `--role-session-name '${name}' is not a valid role session name`, "use 2-64 characters among letters, digits and + = , . @ _ -");
  }
  const nameNote = name ? `, role session name ${name} (the profile must accept it)` : "";
  return pass(c.settings, `duration ${d} s${nameNote}`);
}

function tlsLines(f: DoctorFacts): CheckResult[] {
  const c = SESSION_CHECKS;
  const out: CheckResult[] = [];
  if (f.caBundle) {
    if (f.caBundle.ok) {
      out.push(pass(c.tls, `AWS_CA_BUNDLE=${f.caBundle.value.path}: ${plural(f.caBundle.value.count, "CA certificate")} replace the default roots`));
    } else {
      out.push(failFromProblem(c.tls, f.caBundle.problem, "point AWS_CA_BUNDLE at a readable PEM file of CA certificates, or unset it"));
    }
  }
  if (f.settings.noVerifySsl) {
    out.push(warn(c.tls, "--no-verify-ssl: the endpoint's TLS certificate is not checked", "drop --no-verify-ssl outside tests (set AWS_CA_BUNDLE for a private CA)"));
  }
  return out;
}
