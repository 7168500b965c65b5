import { ConfigError } from "../../errors.js";
import { showValue } from "../../session/arn.js";

/**
 * The options of one AssumeRole hop, and their validation. Pure: checked
 * before any network call, with STS's own limits, so a mistake is one clear
 * line instead of a ValidationError from the service.
 */

/** A session tag. @public */
export interface SessionTag {
  key: string;
  value: string;
}

/** One AssumeRole hop after the base credentials, as a caller writes it. @public */
export interface AssumeRoleHopInit {
  /** The role to assume, `arn:<partition>:iam::<account>:role/<name>`. Required. */
  roleArn: string;
  /** Role session name, 2-64 of `[\w+=,.@-]`. Default `signing-helper-<unix ms>`. */
  roleSessionName?: string;
  /** External id the role's trust policy requires, 2-1224 of `[\w+=,.@:/-]`. Default none. */
  externalId?: string;
  /** Source identity, 2-64 of `[\w+=,.@-]`; once set in a chain it cannot change. Default none. */
  sourceIdentity?: string;
  /** Session tags (at most 50; key 1-128, value 0-256 characters). Default none. */
  tags?: Readonly<Record<string, string>> | ReadonlyArray<SessionTag>;
  /** Keys of `tags` that pass on to later hops (transitive). Default none. */
  transitiveTagKeys?: readonly string[];
  /** Inline session policy: JSON text or an object (sent compact, at most 2048 characters). Default none. */
  policy?: string | object;
  /** Managed session policy ARNs (at most 10). Default none. */
  policyArns?: readonly string[];
  /** Session duration in seconds, 900-43200; STS caps a role-chained hop at 3600 and refuses more. Default 3600. */
  durationSeconds?: number;
}

/** A validated hop. @public */
export interface ResolvedHop {
  readonly roleArn: string;
  readonly accountId: string;
  readonly partition: string;
  /** Undefined: a name is generated at each call. */
  readonly roleSessionName?: string;
  readonly externalId?: string;
  readonly sourceIdentity?: string;
  readonly tags: readonly SessionTag[];
  readonly transitiveTagKeys: readonly string[];
  /** Compact JSON. */
  readonly policy?: string;
  readonly policyArns: readonly string[];
  readonly durationSeconds: number;
  /** The caller of this hop holds role credentials, so STS caps it at 3600 s. */
  readonly chained: boolean;
}

/** A hop setting, named in messages by the caller's {@link HopNamer}. @public */
export type HopSetting = keyof AssumeRoleHopInit;

/** How to call a hop's setting in a message: a CLI flag, a library option path. @public */
export type HopNamer = (setting: HopSetting, index: number, count: number) => string;

/** The library's names: `assumeRole[1].externalId`. @public */
export const libraryHopNames: HopNamer = (setting, index) => `assumeRole[${index}].${setting}`;

/** STS's limits. @public */
export const ASSUME_ROLE_LIMITS = Object.freeze({
  minDuration: 900,
  maxDuration: 43200,
  chainedMaxDuration: 3600,
  defaultDuration: 3600,
  maxTags: 50,
  maxPolicyArns: 10,
  maxPolicyLength: 2048,
  maxHops: 10,
});

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const POLICY_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}|aws):policy\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;

function fail(name: string, why: string, hint?: string): never {
  throw new ConfigError(`${name}: ${why}`, hint ? { hint } : undefined);
}

function tagsOf(tags: AssumeRoleHopInit["tags"], name: string): SessionTag[] {
  if (tags === undefined) return [];
  const list: SessionTag[] = Array.isArray(tags)
    ? (tags as ReadonlyArray<SessionTag>).map((t) => ({ key: t?.key, value: t?.value }))
    : typeof tags === "object" && tags !== null
      ? Object.entries(tags as Record<string, string>).map(([key, value]) => ({ key, value }))
      : fail(name, "expected an object of key → value, or an array of { key, value }");
  if (list.length > ASSUME_ROLE_LIMITS.maxTags) fail(name, `${list.length} session tags given; STS takes at most ${ASSUME_ROLE_LIMITS.maxTags}`);
  const seen = new Set<string>();
  for (const { key, value } of list) {
    if (typeof key !== "string" || key.length < 1 || key.length > 128 || !TAG_CHARS.test(key)) {
      fail(name, `tag key '${showValue(String(key))}' must be 1-128 letters, digits, spaces or _ . : / = + - @`);
    }
    if (typeof value !== "string" || value.length > 256 || !TAG_CHARS.test(value)) {
      fail(name, `value of tag '${showValue(key)}' must be 0-256 letters, digits, spaces or _ . : / = + - @`);
    }
    if (key.toLowerCase().startsWith("aws:")) fail(name, `tag key '${showValue(key)}' may not start with aws: (reserved by AWS)`);
    const lower = key.toLowerCase();
    if (seen.has(lower)) fail(name, `tag key '${showValue(key)}' is given twice (STS compares tag keys without case)`);
    seen.add(lower);
  }
  return list;
}

function policyOf(policy: AssumeRoleHopInit["policy"], name: string): string | undefined {
  if (policy === undefined) return undefined;
  let parsed: unknown;
  if (typeof policy === "string") {
    try {
      parsed = JSON.parse(policy);
    } catch (err) {
      fail(name, `not valid JSON (${(err as Error).message})`, "give an IAM policy document as JSON text, or the path of a file holding one");
    }
  } else parsed = policy;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    fail(name, "must be a JSON object (an IAM policy document with Version and Statement)");
  }
  const compact = JSON.stringify(parsed);
  if (compact.length > ASSUME_ROLE_LIMITS.maxPolicyLength) {
    fail(name, `${compact.length} characters once compacted; STS takes at most ${ASSUME_ROLE_LIMITS.maxPolicyLength}`, "shorten the session policy, or use a managed policy ARN instead");
  }
  if (!POLICY_CHARS.test(compact)) fail(name, "may hold only characters up to U+00FF (STS's rule for session policies)");
  return compact;
}

/**
 * Validates hops in order. `chainedFirst` says the base credentials are
 * themselves a role session (Roles Anywhere, SAML): then every hop is role
 * chaining and a duration above 3600 is refused here with STS's reason.
 * @throws ConfigError naming the setting through `name`.
 * @public
 */
export function resolveHops(
  hops: ReadonlyArray<AssumeRoleHopInit>,
  opts: { name?: HopNamer; chainedFirst: boolean; partition?: string },
): ResolvedHop[] {
  const name = opts.name ?? libraryHopNames;
  const count = hops.length;
  if (count > ASSUME_ROLE_LIMITS.maxHops) fail(name("roleArn", count - 1, count), `${count} hops given; at most ${ASSUME_ROLE_LIMITS.maxHops}`);
  return hops.map((hop, i): ResolvedHop => {
    const n = (s: HopSetting) => name(s, i, count);
    if (typeof hop !== "object" || hop === null) fail(n("roleArn"), "each hop must be an object with a roleArn");
    const arn = typeof hop.roleArn === "string" ? ROLE_ARN.exec(hop.roleArn) : null;
    if (!arn) {
      fail(n("roleArn"), `expected arn:<partition>:iam::<account>:role/<name>, got '${showValue(String(hop.roleArn))}'`, "copy the role ARN from 'aws iam get-role' or the IAM console");
    }
    if (opts.partition !== undefined && arn[1] !== opts.partition) {
      fail(n("roleArn"), `partition ${arn[1]} differs from the base credentials' partition ${opts.partition}`, "STS hands out roles of its own partition only");
    }
    const out: {
      -readonly [K in keyof ResolvedHop]: ResolvedHop[K];
    } = {
      roleArn: hop.roleArn,
      accountId: arn[2]!,
      partition: arn[1]!,
      tags: [],
      transitiveTagKeys: [],
      policyArns: [],
      durationSeconds: ASSUME_ROLE_LIMITS.defaultDuration,
      chained: opts.chainedFirst || i > 0,
    };
    if (hop.roleSessionName !== undefined) {
      if (typeof hop.roleSessionName !== "string" || !SESSION_NAME.test(hop.roleSessionName)) {
        fail(n("roleSessionName"), `expected 2-64 characters among letters, digits and + = , . @ _ -, got '${showValue(String(hop.roleSessionName))}'`);
      }
      out.roleSessionName = hop.roleSessionName;
    }
    if (hop.externalId !== undefined) {
      if (typeof hop.externalId !== "string" || !EXTERNAL_ID.test(hop.externalId)) {
        fail(n("externalId"), `expected 2-1224 characters among letters, digits and + = , . @ : / _ -, got '${showValue(String(hop.externalId))}'`);
      }
      out.externalId = hop.externalId;
    }
    if (hop.sourceIdentity !== undefined) {
      const v = hop.sourceIdentity;
      if (typeof v !== "string" || !SESSION_NAME.test(v)) {
        fail(n("sourceIdentity"), `expected 2-64 characters among letters, digits and + = , . @ _ -, got '${showValue(String(v))}'`);
      }
      out.sourceIdentity = v;
    }
    out.tags = tagsOf(hop.tags, n("tags"));
    if (hop.transitiveTagKeys !== undefined) {
      if (!Array.isArray(hop.transitiveTagKeys)) fail(n("transitiveTagKeys"), "expected an array of tag keys");
      const keys = new Set(out.tags.map((t) => t.key.toLowerCase()));
      for (const k of hop.transitiveTagKeys as readonly unknown[]) {
        if (typeof k !== "string" || !keys.has(k.toLowerCase())) {
          fail(n("transitiveTagKeys"), `'${showValue(String(k))}' is not the key of a session tag of this hop`, "a transitive tag key must name one of the hop's session tags");
        }
      }
      out.transitiveTagKeys = [...(hop.transitiveTagKeys as string[])];
    }
    const policy = policyOf(hop.policy, n("policy"));
    if (policy !== undefined) out.policy = policy;
    if (hop.policyArns !== undefined) {
      if (!Array.isArray(hop.policyArns)) fail(n("policyArns"), "expected an array of policy ARNs");
      if (hop.policyArns.length > ASSUME_ROLE_LIMITS.maxPolicyArns) {
        fail(n("policyArns"), `${hop.policyArns.length} policy ARNs given; STS takes at most ${ASSUME_ROLE_LIMITS.maxPolicyArns}`);
      }
      for (const p of hop.policyArns as readonly unknown[]) {
        if (typeof p !== "string" || !POLICY_ARN.test(p)) {
          fail(n("policyArns"), `expected arn:<partition>:iam::<account or aws>:policy/<name>, got '${showValue(String(p))}'`);
        }
      }
      out.policyArns = [...(hop.policyArns as string[])];
    }
    if (hop.durationSeconds !== undefined) {
      const d = hop.durationSeconds;
      const { minDuration, maxDuration, chainedMaxDuration } = ASSUME_ROLE_LIMITS;
      if (typeof d !== "number" || !Number.isInteger(d) || d < minDuration || d > maxDuration) {
        fail(n("durationSeconds"), `expected whole seconds from ${minDuration} to ${maxDuration}, got ${showValue(String(d))}`);
      }
      if (out.chained && d > chainedMaxDuration) {
        fail(
          n("durationSeconds"),
          `${d} seconds asked, but this hop is role chaining (it assumes a role with role credentials), which STS limits to ${chainedMaxDuration} seconds and refuses above that`,
          `ask for ${minDuration}-${chainedMaxDuration} seconds; the role's maximum session duration does not lift this limit`,
        );
      }
      out.durationSeconds = d;
    }
    return Object.freeze(out);
  });
}

/** The session name of a hop for a call at `now`: the configured one, else `signing-helper-<unix ms>`. @public */
export function sessionNameFor(hop: ResolvedHop, now: number): string {
  return hop.roleSessionName ?? `signing-helper-${Math.floor(now)}`;
}

/**
 * The query parameters of AssumeRole for a hop, in the SDKs' member order
 * (`Tags.member.N.Key`, `TransitiveTagKeys.member.N`, `PolicyArns.member.N.arn`).
 * @public
 */
export function assumeRoleParams(hop: ResolvedHop, roleSessionName: string): Array<[string, string]> {
  const p: Array<[string, string]> = [
    ["RoleArn", hop.roleArn],
    ["RoleSessionName", roleSessionName],
  ];
  hop.policyArns.forEach((arn, i) => p.push([`PolicyArns.member.${i + 1}.arn`, arn]));
  if (hop.policy !== undefined) p.push(["Policy", hop.policy]);
  p.push(["DurationSeconds", String(hop.durationSeconds)]);
  hop.tags.forEach((t, i) => {
    p.push([`Tags.member.${i + 1}.Key`, t.key]);
    p.push([`Tags.member.${i + 1}.Value`, t.value]);
  });
  hop.transitiveTagKeys.forEach((k, i) => p.push([`TransitiveTagKeys.member.${i + 1}`, k]));
  if (hop.externalId !== undefined) p.push(["ExternalId", hop.externalId]);
  if (hop.sourceIdentity !== undefined) p.push(["SourceIdentity", hop.sourceIdentity]);
  return p;
}

/** The hop's settings that make two chains interchangeable (for cache keys), in a fixed order. @public */
export function hopKeyFields(hop: ResolvedHop): unknown[] {
  return [
    hop.roleArn,
    hop.roleSessionName ?? null,
    hop.externalId ?? null,
    hop.sourceIdentity ?? null,
    hop.tags.map((t) => [t.key, t.value]),
    [...hop.transitiveTagKeys],
    hop.policy ?? null,
    [...hop.policyArns],
    hop.durationSeconds,
  ];
}
