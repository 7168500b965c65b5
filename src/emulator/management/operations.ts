/**
 * The Roles Anywhere control plane on the emulator's state: one function per
 * operation of the service model, each taking the validated input and
 * returning the output structure (or throwing ApiError). No I/O here; the
 * state reports changes to whoever persists it.
 */
import { randomUUID } from "node:crypto";
import { ConfigError } from "../../errors.js";
import { parseRoleArn } from "../arn.js";
import { parseCrls } from "../config.js";
import {
  EmulatorState,
  defaultAttributeMappings,
  defaultNotificationSettings,
  type AttributeMapping,
  type CrlRecord,
  type NotificationSettingDetail,
  type ProfileRecord,
  type ResourceTag,
  type SubjectRecord,
  type TrustAnchorRecord,
} from "../state.js";
import { validationMessage } from "./validate.js";

/** A modelled error answer. @internal */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly reason: string = message,
  ) {
    super(message);
  }
}

const invalid = (message: string, reason?: string): ApiError => new ApiError(400, "ValidationException", message, reason);
const notFound = (message: string): ApiError => new ApiError(404, "ResourceNotFoundException", message);
const constraint = (path: string, value: unknown, rule: string): ApiError => invalid(validationMessage([{ path, value, rule }]));

/** What an operation knows about the call besides its input. @internal */
export interface OperationContext {
  state: EmulatorState;
  /** ms since epoch. */
  now: number;
  /** ARN of the caller (configuredBy, createdBy). */
  callerArn: string;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
/** One operation. @internal */
export type OperationHandler = (input: Input, ctx: OperationContext) => Output;

/** The service's resource quotas the emulator enforces (its user guide, "Quotas"). @internal */
export const RESOURCE_LIMITS = { trustAnchors: 50, profiles: 250, crlsPerTrustAnchor: 2, tagsPerResource: 50 } as const;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

const iso = (ms: number): string => new Date(ms).toISOString();

function trustAnchorDetail(t: TrustAnchorRecord): Output {
  return {
    trustAnchorId: t.id,
    trustAnchorArn: t.arn,
    name: t.name,
    source: { sourceType: t.source.sourceType, sourceData: { ...t.source.sourceData } },
    enabled: t.enabled,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    notificationSettings: t.notificationSettings.map((n) => ({ ...n })),
  };
}

function profileDetail(p: ProfileRecord): Output {
  const out: Output = {
    profileId: p.id,
    profileArn: p.arn,
    name: p.name,
    requireInstanceProperties: p.requireInstanceProperties,
    enabled: p.enabled,
    createdBy: p.createdBy,
    roleArns: [...p.roleArns],
    managedPolicyArns: [...p.managedPolicyArns],
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
    durationSeconds: p.durationSeconds,
    acceptRoleSessionName: p.acceptRoleSessionName,
    attributeMappings: p.attributeMappings.map((m) => ({ certificateField: m.certificateField, mappingRules: m.mappingRules.map((r) => ({ ...r })) })),
  };
  if (p.sessionPolicy !== undefined) out.sessionPolicy = p.sessionPolicy;
  return out;
}

function crlDetail(c: CrlRecord): Output {
  return {
    crlId: c.id,
    crlArn: c.arn,
    name: c.name,
    enabled: c.enabled,
    crlData: c.der.toString("base64"),
    trustAnchorArn: c.trustAnchorArn,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

function subjectSummary(s: SubjectRecord): Output {
  return {
    subjectArn: s.arn,
    subjectId: s.id,
    enabled: s.enabled,
    x509Subject: s.x509Subject,
    lastSeenAt: iso(s.lastSeenAt),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

function subjectDetail(s: SubjectRecord): Output {
  return {
    ...subjectSummary(s),
    credentials: s.credentials.map((c) => ({ ...c, seenAt: iso(c.seenAt) })),
    instanceProperties: s.instanceProperties.map((p) => ({ seenAt: iso(p.seenAt), properties: { ...p.properties }, failed: p.failed })),
  };
}

/** Opaque page token: the offset, base64url of a small JSON. */
function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}
function decodeToken(token: string): number {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown };
    if (typeof v.o === "number" && Number.isInteger(v.o) && v.o >= 0) return v.o;
  } catch {
    // falls through
  }
  throw invalid("Invalid nextToken: it does not come from a previous page of this list.", `bad nextToken ${token.slice(0, 40)}`);
}

function page<T>(items: T[], input: Input, key: string, view: (t: T) => Output): Output {
  const size = input.pageSize === undefined ? DEFAULT_PAGE_SIZE : (input.pageSize as number);
  if (size < 1) throw constraint("pageSize", size, "Member must have value greater than or equal to 1");
  const n = Math.min(size, MAX_PAGE_SIZE);
  const start = input.nextToken === undefined ? 0 : decodeToken(input.nextToken as string);
  const slice = items.slice(start, start + n);
  const out: Output = { [key]: slice.map(view) };
  if (start + n < items.length) out.nextToken = encodeToken(start + n);
  return out;
}

function checkTags(tags: unknown, existing: ResourceTag[] = []): ResourceTag[] {
  const list = (tags as ResourceTag[] | undefined) ?? [];
  const merged = new Map(existing.map((t) => [t.key, t.value]));
  const seen = new Set<string>();
  for (const t of list) {
    if (seen.has(t.key)) throw invalid(`Duplicate tag key ${JSON.stringify(t.key)} in the request.`);
    seen.add(t.key);
    if (t.key.toLowerCase().startsWith("aws:")) throw invalid("Tag keys beginning with aws: are reserved.");
    merged.set(t.key, t.value);
  }
  if (merged.size > RESOURCE_LIMITS.tagsPerResource) {
    throw new ApiError(400, "TooManyTagsException", `A resource can have at most ${RESOURCE_LIMITS.tagsPerResource} tags; this request would give it ${merged.size}.`);
  }
  return [...merged].map(([key, value]) => ({ key, value }));
}

interface SourceInput {
  sourceType?: string;
  sourceData?: { x509CertificateData?: string; acmPcaArn?: string };
}

/** Reads a trust anchor source into its certificates; refuses what the emulator cannot use. */
function readSource(source: SourceInput): Pick<TrustAnchorRecord, "source" | "certificates"> {
  const type = source.sourceType ?? (source.sourceData?.acmPcaArn !== undefined ? "AWS_ACM_PCA" : "CERTIFICATE_BUNDLE");
  const data = source.sourceData ?? {};
  if (type === "SELF_SIGNED_REPOSITORY") throw invalid("Trust anchors of type SELF_SIGNED_REPOSITORY cannot be created.");
  if (type === "AWS_ACM_PCA") {
    if (data.acmPcaArn === undefined) throw invalid("sourceData.acmPcaArn is required for a trust anchor of type AWS_ACM_PCA.");
    if (!/^arn:aws(-[^:]+)?:acm-pca:[^:]+:\d{12}:certificate-authority\/.+$/.test(data.acmPcaArn)) {
      throw invalid(`Invalid ACM PCA ARN ${data.acmPcaArn.slice(0, 200)}.`);
    }
    // The emulator has no Private CA: such an anchor exists but trusts no certificate.
    return { source: { sourceType: type, sourceData: { acmPcaArn: data.acmPcaArn } }, certificates: [] };
  }
  if (data.x509CertificateData === undefined) throw invalid("sourceData.x509CertificateData is required for a trust anchor of type CERTIFICATE_BUNDLE.");
  let certificates;
  try {
    certificates = EmulatorState.parseAnchorCertificates(Buffer.from(data.x509CertificateData, "utf8"), "x509CertificateData");
  } catch (err) {
    if (err instanceof ConfigError) throw invalid(`Invalid certificate bundle: ${err.message}`);
    throw err;
  }
  if (certificates.length > 2) throw invalid(`The certificate bundle holds ${certificates.length} certificates; a trust anchor has at most 2.`);
  return { source: { sourceType: type, sourceData: { x509CertificateData: data.x509CertificateData } }, certificates };
}

function readCrl(data: unknown): { der: Buffer; loaded: CrlRecord["loaded"] } {
  const der = Buffer.from(data as string, "base64");
  try {
    return { der, loaded: parseCrls(der, (why) => { throw invalid(`Invalid CRL data: ${why}`); }) };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw invalid(`Invalid CRL data: ${(err as Error).message}`);
  }
}

function checkRoles(state: EmulatorState, roleArns: string[]): string[] {
  for (const [i, arn] of roleArns.entries()) {
    if (!parseRoleArn(arn)) {
      throw constraint(`roleArns.${i + 1}.member`, arn, "Member must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)");
    }
  }
  for (const arn of roleArns) state.ensureRole(arn);
  return [...roleArns];
}

const RDN_SPECIFIERS = new Set(["*", "CN", "OU", "O", "L", "ST", "C", "DC", "SERIALNUMBER", "UID", "emailAddress", "E", "GIVENNAME", "SN", "T", "STREET", "postalCode"]);

function checkMapping(field: string, rules: Array<{ specifier: string }>): void {
  for (const [i, r] of rules.entries()) {
    const s = r.specifier;
    const ok =
      field === "x509SAN" ? s === "DNS" || s === "URI" || s === "Name/*" || (s.startsWith("Name/") && RDN_SPECIFIERS.has(s.slice(5))) : RDN_SPECIFIERS.has(s);
    if (!ok) {
      throw constraint(
        `mappingRules.${i + 1}.member.specifier`,
        s,
        field === "x509SAN" ? "Member must be DNS, URI, Name/* or Name/<RDN>" : "Member must be * or a supported RDN (CN, OU, O, L, ST, C, DC, …)",
      );
    }
  }
}

function findTrustAnchor(ctx: OperationContext, id: unknown): TrustAnchorRecord {
  const t = ctx.state.trustAnchorById(id as string);
  if (!t) throw notFound(`The trust anchor ${id as string} was not found.`);
  return t;
}
function findProfile(ctx: OperationContext, id: unknown): ProfileRecord {
  const p = ctx.state.profileById(id as string);
  if (!p) throw notFound(`The profile ${id as string} was not found.`);
  return p;
}
function findCrl(ctx: OperationContext, id: unknown): CrlRecord {
  const c = ctx.state.crlById(id as string);
  if (!c) throw notFound(`The CRL ${id as string} was not found.`);
  return c;
}

/** The tags of any taggable resource, by ARN. */
function taggable(ctx: OperationContext, arn: string): { tags: ResourceTag[]; set(t: ResourceTag[]): void } {
  const ta = ctx.state.trustAnchor(arn);
  if (ta) return { tags: ta.tags, set: (t) => ((ta.tags = t), ctx.state.changed({})) };
  const p = ctx.state.profile(arn);
  if (p) return { tags: p.tags, set: (t) => ((p.tags = t), ctx.state.changed({})) };
  const c = ctx.state.crlRecords().find((x) => x.arn === arn);
  if (c) return { tags: c.tags, set: (t) => ((c.tags = t), ctx.state.changed({})) };
  throw notFound(`The resource ${arn.slice(0, 300)} was not found.`);
}

function setEnabled<T extends { enabled: boolean; updatedAt: number }>(rec: T, enabled: boolean, ctx: OperationContext): T {
  rec.enabled = enabled;
  rec.updatedAt = ctx.now;
  return rec;
}

const trustAnchorOut = (t: TrustAnchorRecord): Output => ({ trustAnchor: trustAnchorDetail(t) });
const profileOut = (p: ProfileRecord): Output => ({ profile: profileDetail(p) });
const crlOut = (c: CrlRecord): Output => ({ crl: crlDetail(c) });

function mergeNotifications(existing: NotificationSettingDetail[], settings: Array<Record<string, unknown>>, by: string): NotificationSettingDetail[] {
  const out = existing.map((n) => ({ ...n }));
  for (const s of settings) {
    const channel = (s.channel as string | undefined) ?? "ALL";
    const at = out.findIndex((n) => n.event === s.event && (n.channel ?? "ALL") === channel);
    const detail: NotificationSettingDetail = { enabled: s.enabled as boolean, event: s.event as string, channel, configuredBy: by };
    const threshold = (s.threshold as number | undefined) ?? (at >= 0 ? out[at]!.threshold : 45);
    if (threshold !== undefined) detail.threshold = threshold;
    if (at >= 0) out[at] = detail;
    else out.push(detail);
  }
  return out;
}

/** Every operation of the service model, by name. @internal */
export const OPERATIONS: Record<string, OperationHandler> = {
  CreateTrustAnchor(input, ctx) {
    if (ctx.state.trustAnchorRecords().length >= RESOURCE_LIMITS.trustAnchors) {
      throw invalid(`This account already has ${RESOURCE_LIMITS.trustAnchors} trust anchors, the service's quota.`);
    }
    const { source, certificates } = readSource(input.source as SourceInput);
    const tags = checkTags(input.tags);
    const id = randomUUID();
    const rec: TrustAnchorRecord = {
      id,
      arn: ctx.state.arnOf("trust-anchor", id),
      name: input.name as string,
      enabled: (input.enabled as boolean | undefined) ?? false,
      certificates,
      crls: [],
      createdAt: ctx.now,
      updatedAt: ctx.now,
      source,
      notificationSettings: mergeNotifications(defaultNotificationSettings(), (input.notificationSettings as Array<Record<string, unknown>>) ?? [], ctx.callerArn),
      tags,
    };
    ctx.state.addTrustAnchor(rec);
    return trustAnchorOut(rec);
  },
  GetTrustAnchor: (input, ctx) => trustAnchorOut(findTrustAnchor(ctx, input.trustAnchorId)),
  ListTrustAnchors: (input, ctx) => page(ctx.state.trustAnchorRecords(), input, "trustAnchors", trustAnchorDetail),
  UpdateTrustAnchor(input, ctx) {
    const t = findTrustAnchor(ctx, input.trustAnchorId);
    if (input.source !== undefined) {
      const { source, certificates } = readSource(input.source as SourceInput);
      t.source = source;
      t.certificates = certificates;
    }
    if (input.name !== undefined) t.name = input.name as string;
    t.updatedAt = ctx.now;
    ctx.state.changed({ anchors: [t.arn] });
    return trustAnchorOut(t);
  },
  DeleteTrustAnchor(input, ctx) {
    const t = findTrustAnchor(ctx, input.trustAnchorId);
    ctx.state.removeTrustAnchor(t.arn);
    return trustAnchorOut(t);
  },
  EnableTrustAnchor(input, ctx) {
    const t = setEnabled(findTrustAnchor(ctx, input.trustAnchorId), true, ctx);
    ctx.state.changed({ anchors: [t.arn] });
    return trustAnchorOut(t);
  },
  DisableTrustAnchor(input, ctx) {
    const t = setEnabled(findTrustAnchor(ctx, input.trustAnchorId), false, ctx);
    ctx.state.changed({ anchors: [t.arn] });
    return trustAnchorOut(t);
  },

  CreateProfile(input, ctx) {
    if (ctx.state.profileRecords().length >= RESOURCE_LIMITS.profiles) {
      throw invalid(`This account already has ${RESOURCE_LIMITS.profiles} profiles, the service's quota.`);
    }
    const roleArns = checkRoles(ctx.state, input.roleArns as string[]);
    const tags = checkTags(input.tags);
    const id = randomUUID();
    const rec: ProfileRecord = {
      id,
      arn: ctx.state.arnOf("profile", id),
      name: input.name as string,
      roleArns,
      durationSeconds: (input.durationSeconds as number | undefined) ?? 3600,
      acceptRoleSessionName: (input.acceptRoleSessionName as boolean | undefined) ?? false,
      requireInstanceProperties: (input.requireInstanceProperties as boolean | undefined) ?? false,
      enabled: (input.enabled as boolean | undefined) ?? false,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      createdBy: ctx.callerArn,
      managedPolicyArns: [...((input.managedPolicyArns as string[] | undefined) ?? [])],
      attributeMappings: defaultAttributeMappings(),
      tags,
    };
    if (input.sessionPolicy !== undefined) rec.sessionPolicy = input.sessionPolicy as string;
    ctx.state.addProfile(rec);
    return profileOut(rec);
  },
  GetProfile: (input, ctx) => profileOut(findProfile(ctx, input.profileId)),
  ListProfiles: (input, ctx) => page(ctx.state.profileRecords(), input, "profiles", profileDetail),
  UpdateProfile(input, ctx) {
    const p = findProfile(ctx, input.profileId);
    if (input.roleArns !== undefined) p.roleArns = checkRoles(ctx.state, input.roleArns as string[]);
    if (input.name !== undefined) p.name = input.name as string;
    if (input.sessionPolicy !== undefined) p.sessionPolicy = input.sessionPolicy as string;
    if (input.managedPolicyArns !== undefined) p.managedPolicyArns = [...(input.managedPolicyArns as string[])];
    if (input.durationSeconds !== undefined) p.durationSeconds = input.durationSeconds as number;
    if (input.acceptRoleSessionName !== undefined) p.acceptRoleSessionName = input.acceptRoleSessionName as boolean;
    p.updatedAt = ctx.now;
    ctx.state.changed({});
    return profileOut(p);
  },
  DeleteProfile(input, ctx) {
    const p = findProfile(ctx, input.profileId);
    ctx.state.removeProfile(p.arn);
    return profileOut(p);
  },
  EnableProfile(input, ctx) {
    const p = setEnabled(findProfile(ctx, input.profileId), true, ctx);
    ctx.state.changed({});
    return profileOut(p);
  },
  DisableProfile(input, ctx) {
    const p = setEnabled(findProfile(ctx, input.profileId), false, ctx);
    ctx.state.changed({});
    return profileOut(p);
  },
  PutAttributeMapping(input, ctx) {
    const p = findProfile(ctx, input.profileId);
    const field = input.certificateField as AttributeMapping["certificateField"];
    const rules = (input.mappingRules as Array<{ specifier: string }>).map((r) => ({ specifier: r.specifier }));
    checkMapping(field, rules);
    const at = p.attributeMappings.findIndex((m) => m.certificateField === field);
    const mapping: AttributeMapping = { certificateField: field, mappingRules: rules };
    if (at >= 0) p.attributeMappings[at] = mapping;
    else p.attributeMappings.push(mapping);
    p.updatedAt = ctx.now;
    ctx.state.changed({});
    return profileOut(p);
  },
  DeleteAttributeMapping(input, ctx) {
    const p = findProfile(ctx, input.profileId);
    const field = input.certificateField as string;
    const specifiers = input.specifiers as string[] | undefined;
    const at = p.attributeMappings.findIndex((m) => m.certificateField === field);
    if (at >= 0) {
      if (specifiers === undefined || specifiers.length === 0) p.attributeMappings.splice(at, 1);
      else {
        const m = p.attributeMappings[at]!;
        m.mappingRules = m.mappingRules.filter((r) => !specifiers.includes(r.specifier));
        if (m.mappingRules.length === 0) p.attributeMappings.splice(at, 1);
      }
    }
    p.updatedAt = ctx.now;
    ctx.state.changed({});
    return profileOut(p);
  },

  ImportCrl(input, ctx) {
    const anchorArn = input.trustAnchorArn as string;
    if (!ctx.state.trustAnchor(anchorArn)) throw invalid(`The trust anchor ${anchorArn.slice(0, 300)} was not found.`);
    if (ctx.state.crlRecords().filter((c) => c.trustAnchorArn === anchorArn).length >= RESOURCE_LIMITS.crlsPerTrustAnchor) {
      throw invalid(`A trust anchor has at most ${RESOURCE_LIMITS.crlsPerTrustAnchor} CRLs, the service's quota.`);
    }
    const { der, loaded } = readCrl(input.crlData);
    const tags = checkTags(input.tags);
    const id = randomUUID();
    const rec: CrlRecord = {
      id,
      arn: ctx.state.arnOf("crl", id),
      name: input.name as string,
      enabled: (input.enabled as boolean | undefined) ?? false,
      der,
      loaded,
      trustAnchorArn: anchorArn,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      tags,
    };
    ctx.state.addCrl(rec);
    return crlOut(rec);
  },
  GetCrl: (input, ctx) => crlOut(findCrl(ctx, input.crlId)),
  ListCrls: (input, ctx) => page(ctx.state.crlRecords(), input, "crls", crlDetail),
  UpdateCrl(input, ctx) {
    const c = findCrl(ctx, input.crlId);
    if (input.crlData !== undefined) Object.assign(c, readCrl(input.crlData));
    if (input.name !== undefined) c.name = input.name as string;
    c.updatedAt = ctx.now;
    ctx.state.crlChanged(c);
    return crlOut(c);
  },
  DeleteCrl(input, ctx) {
    const c = findCrl(ctx, input.crlId);
    ctx.state.removeCrl(c.id);
    return crlOut(c);
  },
  EnableCrl(input, ctx) {
    const c = setEnabled(findCrl(ctx, input.crlId), true, ctx);
    ctx.state.crlChanged(c);
    return crlOut(c);
  },
  DisableCrl(input, ctx) {
    const c = setEnabled(findCrl(ctx, input.crlId), false, ctx);
    ctx.state.crlChanged(c);
    return crlOut(c);
  },

  ListSubjects: (input, ctx) => page(ctx.state.subjectRecords(), input, "subjects", subjectSummary),
  GetSubject(input, ctx) {
    const s = ctx.state.subjectById(input.subjectId as string);
    if (!s) throw notFound(`The subject ${input.subjectId as string} was not found.`);
    return { subject: subjectDetail(s) };
  },

  PutNotificationSettings(input, ctx) {
    const t = findTrustAnchor(ctx, input.trustAnchorId);
    t.notificationSettings = mergeNotifications(t.notificationSettings, input.notificationSettings as Array<Record<string, unknown>>, ctx.callerArn);
    t.updatedAt = ctx.now;
    ctx.state.changed({});
    return trustAnchorOut(t);
  },
  ResetNotificationSettings(input, ctx) {
    const t = findTrustAnchor(ctx, input.trustAnchorId);
    const defaults = defaultNotificationSettings();
    for (const k of input.notificationSettingKeys as Array<{ event: string; channel?: string }>) {
      const channel = k.channel ?? "ALL";
      const at = t.notificationSettings.findIndex((n) => n.event === k.event && (n.channel ?? "ALL") === channel);
      const d = defaults.find((n) => n.event === k.event && n.channel === channel);
      if (at >= 0 && d) t.notificationSettings[at] = d;
      else if (at >= 0) t.notificationSettings.splice(at, 1);
    }
    t.updatedAt = ctx.now;
    ctx.state.changed({});
    return trustAnchorOut(t);
  },

  TagResource(input, ctx) {
    const r = taggable(ctx, input.resourceArn as string);
    r.set(checkTags(input.tags, r.tags));
    return {};
  },
  UntagResource(input, ctx) {
    const r = taggable(ctx, input.resourceArn as string);
    const keys = new Set(input.tagKeys as string[]);
    r.set(r.tags.filter((t) => !keys.has(t.key)));
    return {};
  },
  ListTagsForResource(input, ctx) {
    const r = taggable(ctx, input.resourceArn as string);
    return { tags: r.tags.map((t) => ({ ...t })) };
  },
};
