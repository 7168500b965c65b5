import { randomUUID } from "node:crypto";
import type { EmulatorRole, RoleTrust } from "./types.js";
import type { ResolvedSaml } from "./saml/config.js";
import { parseRoleArn, rolesAnywhereArn, stableUuid } from "./arn.js";
import { ConfigError } from "../errors.js";
import type { CertInfo } from "./cert-info.js";
import {
  parseCrls,
  parseTrustAnchorCertificates,
  type LoadedCrl,
  type ResolvedEmulatorConfig,
  type ResolvedProfile,
  type ResolvedRole,
  type ResolvedTrustAnchor,
} from "./config.js";

/** A short public view of a trust anchor. @public */
export interface TrustAnchorSummary {
  name: string;
  arn: string;
  enabled: boolean;
}
/** A short public view of a profile. @public */
export interface ProfileSummary {
  name: string;
  arn: string;
  enabled: boolean;
  roleArns: string[];
}

/** A resource tag. @public */
export interface ResourceTag {
  key: string;
  value: string;
}
/** A profile's attribute mapping (which certificate attributes become principal tags). @public */
export interface AttributeMapping {
  certificateField: "x509Subject" | "x509Issuer" | "x509SAN";
  mappingRules: Array<{ specifier: string }>;
}
/** A trust anchor notification setting as the service reports it. @internal */
export interface NotificationSettingDetail {
  enabled: boolean;
  event: string;
  threshold?: number;
  channel?: string;
  configuredBy?: string;
}
/** Where a trust anchor's certificates come from, as the API shows it. @internal */
export interface TrustAnchorSource {
  sourceType: string;
  sourceData: { x509CertificateData?: string; acmPcaArn?: string };
}

/** A trust anchor with everything the management API shows. @internal */
export interface TrustAnchorRecord extends ResolvedTrustAnchor {
  id: string;
  createdAt: number;
  updatedAt: number;
  source: TrustAnchorSource;
  notificationSettings: NotificationSettingDetail[];
  tags: ResourceTag[];
}
/** A profile with everything the management API shows. @internal */
export interface ProfileRecord extends ResolvedProfile {
  id: string;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  sessionPolicy?: string;
  managedPolicyArns: string[];
  attributeMappings: AttributeMapping[];
  tags: ResourceTag[];
}
/** An imported CRL. Only enabled CRLs revoke. @internal */
export interface CrlRecord {
  id: string;
  arn: string;
  name: string;
  enabled: boolean;
  der: Buffer;
  loaded: LoadedCrl[];
  trustAnchorArn: string;
  createdAt: number;
  updatedAt: number;
  tags: ResourceTag[];
}
/** One certificate a subject authenticated with. @internal */
export interface SubjectCredential {
  seenAt: number;
  serialNumber: string;
  issuer: string;
  enabled: boolean;
  x509CertificateData: string;
  failed: boolean;
}
/** A subject: one per certificate Subject DN that called CreateSession. @internal */
export interface SubjectRecord {
  id: string;
  arn: string;
  x509Subject: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number;
  credentials: SubjectCredential[];
  instanceProperties: Array<{ seenAt: number; properties: Record<string, string>; failed: boolean }>;
}

/** The service's default attribute mappings of a new profile (its user guide, "Default mapping behavior"). @internal */
export function defaultAttributeMappings(): AttributeMapping[] {
  return [
    { certificateField: "x509Subject", mappingRules: [{ specifier: "*" }] },
    { certificateField: "x509Issuer", mappingRules: [{ specifier: "*" }] },
    { certificateField: "x509SAN", mappingRules: [{ specifier: "DNS" }, { specifier: "URI" }, { specifier: "Name/*" }] },
  ];
}

/** The service's default notification settings of a trust anchor (both events on, 45 days, every channel). @internal */
export function defaultNotificationSettings(): NotificationSettingDetail[] {
  return ["CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY"].map((event) => ({
    enabled: true,
    event,
    threshold: 45,
    channel: "ALL",
    configuredBy: "rolesanywhere.amazonaws.com",
  }));
}

/** PEM text of certificates. @internal */
export function certificatesPem(certs: Array<Pick<CertInfo, "der">>): string {
  return certs
    .map((c) => `-----BEGIN CERTIFICATE-----\n${c.der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`)
    .join("");
}

/** Most subjects kept (the oldest seen is dropped beyond). */
const MAX_SUBJECTS = 10_000;
/** Most certificates kept per subject. */
const MAX_SUBJECT_CREDENTIALS = 20;

/** What a change touched: trust anchors whose chain results are stale, and whether it must be saved at once. @internal */
export interface StateChange {
  anchors?: string[];
  /** Subject bookkeeping: may be saved a little later (it changes on every CreateSession). */
  lazy?: boolean;
}

/**
 * The emulator's resources: trust anchors, profiles, CRLs, roles and subjects,
 * seeded from a validated config (or a saved state) and changed by the
 * management API. Every change that can alter a CreateSession verdict bumps
 * the trust anchor's revision, which invalidates cached chain results for it.
 * @public
 */
export class EmulatorState {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly #anchors = new Map<string, TrustAnchorRecord>();
  readonly #revisions = new Map<string, number>();
  readonly #profiles = new Map<string, ProfileRecord>();
  readonly #roles = new Map<string, ResolvedRole>();
  readonly #crls = new Map<string, CrlRecord>();
  readonly #subjects = new Map<string, SubjectRecord>();
  #nextRevision = 1;
  /** Called after every change (persistence). */
  onChange: ((c: StateChange) => void) | undefined;
  /** Time source for createdAt/updatedAt (ms). */
  now: () => number = Date.now;

  /** @internal */
  constructor(config: ResolvedEmulatorConfig, opts: { now?: () => number } = {}) {
    if (opts.now) this.now = opts.now;
    this.accountId = config.accountId;
    this.region = config.region;
    this.partition = config.partition;
    const t = this.now();
    for (const ta of config.trustAnchors) {
      const id = ta.arn.slice(ta.arn.lastIndexOf("/") + 1);
      this.#anchors.set(ta.arn, {
        ...ta,
        crls: [],
        id,
        createdAt: t,
        updatedAt: t,
        source: { sourceType: "CERTIFICATE_BUNDLE", sourceData: { x509CertificateData: certificatesPem(ta.certificates) } },
        notificationSettings: defaultNotificationSettings(),
        tags: [],
      });
      this.#revisions.set(ta.arn, this.#nextRevision++);
      ta.crls.forEach((crl, i) => {
        const crlId = stableUuid(this.accountId, this.region, "crl", ta.name, String(i));
        this.#crls.set(crlId, {
          id: crlId,
          arn: this.arnOf("crl", crlId),
          name: `${ta.name}-crl-${i + 1}`.slice(0, 255),
          enabled: true,
          der: crl.der,
          loaded: [crl],
          trustAnchorArn: ta.arn,
          createdAt: t,
          updatedAt: t,
          tags: [],
        });
      });
      this.#refreshCrls(ta.arn);
    }
    for (const p of config.profiles) {
      this.#profiles.set(p.arn, {
        ...p,
        roleArns: [...p.roleArns],
        id: p.arn.slice(p.arn.lastIndexOf("/") + 1),
        createdAt: t,
        updatedAt: t,
        createdBy: `arn:${this.partition}:iam::${this.accountId}:root`,
        managedPolicyArns: [],
        attributeMappings: defaultAttributeMappings(),
        tags: [],
      });
    }
    for (const r of config.roles) this.#roles.set(r.arn, { ...r });
    if (config.saml) this.saml = config.saml;
  }

  /** SAML providers and IdP users (config only; not kept in a state file). @internal */
  saml: ResolvedSaml | undefined;

  /** `arn:<partition>:rolesanywhere:<region>:<account>:<kind>/<id>`. @internal */
  arnOf(kind: "trust-anchor" | "profile" | "crl" | "subject", id: string): string {
    return `arn:${this.partition}:rolesanywhere:${this.region}:${this.accountId}:${kind}/${id}`;
  }

  /** @internal */
  trustAnchor(arn: string): TrustAnchorRecord | undefined {
    return this.#anchors.get(arn);
  }
  /** @internal */
  revision(arn: string): number {
    return this.#revisions.get(arn) ?? 0;
  }
  /** @internal */
  profile(arn: string): ProfileRecord | undefined {
    return this.#profiles.get(arn);
  }
  /** @internal */
  role(arn: string): ResolvedRole | undefined {
    return this.#roles.get(arn);
  }
  /** The role facts STS needs (AssumeRole). */
  emulatorRole(arn: string): EmulatorRole | undefined {
    const r = this.#roles.get(arn);
    return r ? { arn: r.arn, maxSessionDuration: r.maxSessionDuration, ...(r.trust ? { trust: r.trust } : {}) } : undefined;
  }

  /** Every trust anchor, in creation order. */
  trustAnchors(): TrustAnchorSummary[] {
    return [...this.#anchors.values()].map((t) => ({ name: t.name, arn: t.arn, enabled: t.enabled }));
  }
  /** Every profile, in creation order. */
  profiles(): ProfileSummary[] {
    return [...this.#profiles.values()].map((p) => ({ name: p.name, arn: p.arn, enabled: p.enabled, roleArns: [...p.roleArns] }));
  }

  /** @internal */
  trustAnchorRecords(): TrustAnchorRecord[] {
    return [...this.#anchors.values()];
  }
  /** @internal */
  profileRecords(): ProfileRecord[] {
    return [...this.#profiles.values()];
  }
  /** @internal */
  crlRecords(): CrlRecord[] {
    return [...this.#crls.values()];
  }
  /** @internal */
  subjectRecords(): SubjectRecord[] {
    return [...this.#subjects.values()];
  }
  /** @internal */
  roleRecords(): ResolvedRole[] {
    return [...this.#roles.values()];
  }
  /** @internal */
  trustAnchorById(id: string): TrustAnchorRecord | undefined {
    return this.#anchors.get(this.arnOf("trust-anchor", id));
  }
  /** @internal */
  profileById(id: string): ProfileRecord | undefined {
    return this.#profiles.get(this.arnOf("profile", id));
  }
  /** @internal */
  crlById(id: string): CrlRecord | undefined {
    return this.#crls.get(id);
  }
  /** @internal */
  subjectById(id: string): SubjectRecord | undefined {
    for (const s of this.#subjects.values()) if (s.id === id) return s;
    return undefined;
  }

  /** @internal */
  addTrustAnchor(rec: TrustAnchorRecord): void {
    this.#anchors.set(rec.arn, rec);
    this.#refreshCrls(rec.arn);
    this.changed({ anchors: [rec.arn] });
  }
  /** @internal */
  removeTrustAnchor(arn: string): void {
    this.#anchors.delete(arn);
    this.changed({ anchors: [arn] });
  }
  /** @internal */
  addProfile(rec: ProfileRecord): void {
    this.#profiles.set(rec.arn, rec);
    this.changed({});
  }
  /** @internal */
  removeProfile(arn: string): void {
    this.#profiles.delete(arn);
    this.changed({});
  }
  /** @internal */
  addCrl(rec: CrlRecord): void {
    this.#crls.set(rec.id, rec);
    this.#refreshCrls(rec.trustAnchorArn);
    this.changed({ anchors: [rec.trustAnchorArn] });
  }
  /** @internal */
  removeCrl(id: string): void {
    const rec = this.#crls.get(id);
    if (!rec) return;
    this.#crls.delete(id);
    this.#refreshCrls(rec.trustAnchorArn);
    this.changed({ anchors: [rec.trustAnchorArn] });
  }
  /** A CRL's fields changed (enabled, data): its trust anchor's CRL list is rebuilt. @internal */
  crlChanged(rec: CrlRecord): void {
    this.#refreshCrls(rec.trustAnchorArn);
    this.changed({ anchors: [rec.trustAnchorArn] });
  }
  /**
   * A role named in a profile: known roles are kept; unknown ones are created
   * as the user would have to in IAM, with the trust the service needs
   * (rolesanywhere.amazonaws.com may assume it, that is CreateSession; no
   * principal may chain into it with STS AssumeRole) and maxSessionDuration 3600.
   * @internal
   */
  ensureRole(arn: string): ResolvedRole {
    let r = this.#roles.get(arn);
    if (!r) {
      const parsed = parseRoleArn(arn);
      const resource = arn.split(":").slice(5).join(":");
      r = {
        arn,
        accountId: parsed?.accountId ?? arn.split(":")[4] ?? "",
        roleName: parsed?.roleName ?? resource.slice(resource.lastIndexOf("/") + 1),
        maxSessionDuration: 3600,
        trust: { principals: [] },
      };
      this.#roles.set(arn, r);
    }
    return r;
  }
  /** @internal */
  addRole(r: ResolvedRole): void {
    this.#roles.set(r.arn, { ...r });
  }

  /**
   * Records that a certificate called CreateSession (ListSubjects/GetSubject):
   * one subject per Subject DN, one credential entry per certificate.
   * @internal
   */
  recordSubject(leaf: Pick<CertInfo, "subject" | "issuer" | "serialDecimal" | "der">, now: number, failed: boolean, instanceProperties?: Record<string, string>): SubjectRecord {
    const arn = this.subjectArn(leaf.subject);
    let s = this.#subjects.get(arn);
    if (!s) {
      if (this.#subjects.size >= MAX_SUBJECTS) {
        const oldest = [...this.#subjects.values()].reduce((a, b) => (a.lastSeenAt <= b.lastSeenAt ? a : b));
        this.#subjects.delete(oldest.arn);
      }
      s = { id: arn.slice(arn.lastIndexOf("/") + 1), arn, x509Subject: leaf.subject, enabled: true, createdAt: now, updatedAt: now, lastSeenAt: now, credentials: [], instanceProperties: [] };
      this.#subjects.set(arn, s);
    }
    s.lastSeenAt = now;
    s.updatedAt = now;
    let c = s.credentials.find((x) => x.serialNumber === leaf.serialDecimal && x.issuer === leaf.issuer);
    if (!c) {
      c = { seenAt: now, serialNumber: leaf.serialDecimal, issuer: leaf.issuer, enabled: true, x509CertificateData: certificatesPem([leaf]), failed };
      s.credentials.push(c);
      if (s.credentials.length > MAX_SUBJECT_CREDENTIALS) s.credentials.shift();
    }
    c.seenAt = now;
    c.failed = failed;
    if (instanceProperties && Object.keys(instanceProperties).length > 0) {
      s.instanceProperties = [{ seenAt: now, properties: { ...instanceProperties }, failed }];
    }
    this.changed({ lazy: true });
    return s;
  }
  /** @internal */
  addSubject(s: SubjectRecord): void {
    this.#subjects.set(s.arn, s);
  }

  /** Reports a change: bumps the revisions of the trust anchors named, then tells onChange. @internal */
  changed(c: StateChange): void {
    for (const arn of c.anchors ?? []) this.#revisions.set(arn, this.#nextRevision++);
    this.onChange?.(c);
  }

  /** Enables or disables a trust anchor, by ARN or name. */
  setTrustAnchorEnabled(arnOrName: string, enabled: boolean): void {
    const ta = this.#findAnchor(arnOrName);
    ta.enabled = enabled;
    ta.updatedAt = this.now();
    this.changed({ anchors: [ta.arn] });
  }
  /** Enables or disables a profile, by ARN or name. */
  setProfileEnabled(arnOrName: string, enabled: boolean): void {
    const p = this.#profiles.get(arnOrName) ?? [...this.#profiles.values()].find((x) => x.name === arnOrName);
    if (!p) throw new Error(`emulator: no profile ${JSON.stringify(arnOrName)}`);
    p.enabled = enabled;
    p.updatedAt = this.now();
    this.changed({});
  }
  /**
   * Replaces a role's trust (who may AssumeRole it, on what conditions), as an
   * UpdateAssumeRolePolicy would; `undefined` removes it (any minted session may).
   */
  setRoleTrust(arn: string, trust: RoleTrust | undefined): void {
    const r = this.#roles.get(arn);
    if (!r) throw new Error(`emulator: no role ${JSON.stringify(arn)}`);
    if (trust === undefined) delete r.trust;
    else r.trust = { ...trust, principals: [...trust.principals] };
  }
  /**
   * Replaces the CRLs of a trust anchor (PEM text or DER), by ARN or name, as
   * deleting its CRLs and importing these (enabled) would. Throws ConfigError
   * when a CRL cannot be read.
   */
  setCrls(arnOrName: string, crls: Array<string | Uint8Array>): void {
    const ta = this.#findAnchor(arnOrName);
    const t = this.now();
    const loaded = crls.map((c, i) => {
      const der = typeof c === "string" ? Buffer.from(c, "utf8") : Buffer.from(c);
      return {
        der,
        loaded: parseCrls(der, (why) => {
          throw new ConfigError(`emulator: CRL ${i + 1} for trust anchor ${ta.name}: ${why}`, { hint: "pass PEM (X509 CRL) or DER CRLs" });
        }),
      };
    });
    for (const [id, rec] of this.#crls) if (rec.trustAnchorArn === ta.arn) this.#crls.delete(id);
    loaded.forEach((l, i) => {
      const id = randomUUID();
      this.#crls.set(id, { id, arn: this.arnOf("crl", id), name: `${ta.name}-crl-${i + 1}`.slice(0, 255), enabled: true, der: l.der, loaded: l.loaded, trustAnchorArn: ta.arn, createdAt: t, updatedAt: t, tags: [] });
    });
    this.#refreshCrls(ta.arn);
    this.changed({ anchors: [ta.arn] });
  }

  /** Replaces a trust anchor's certificates from PEM/DER bytes; throws ConfigError when they are not fit. @internal */
  static parseAnchorCertificates(bytes: Buffer, what: string): CertInfo[] {
    return parseTrustAnchorCertificates(bytes, (why, n) => {
      throw new ConfigError(`${what}${n === undefined ? "" : ` (certificate ${n})`}: ${why}`);
    });
  }

  readonly #subjectArns = new Map<string, string>();
  /** The subject ARN for a certificate Subject DN: stable per subject, as the service keeps one subject record per DN. */
  subjectArn(subjectDn: string): string {
    let arn = this.#subjectArns.get(subjectDn);
    if (arn === undefined) {
      arn = rolesAnywhereArn(this.region, this.accountId, "subject", subjectDn);
      if (this.#subjectArns.size >= 10_000) this.#subjectArns.clear();
      this.#subjectArns.set(subjectDn, arn);
    }
    return arn;
  }

  /** The trust anchor's CRL list for path validation: the enabled CRLs imported for it. */
  #refreshCrls(anchorArn: string): void {
    const ta = this.#anchors.get(anchorArn);
    if (!ta) return;
    ta.crls = [...this.#crls.values()].filter((c) => c.enabled && c.trustAnchorArn === anchorArn).flatMap((c) => c.loaded);
  }

  #findAnchor(arnOrName: string): TrustAnchorRecord {
    const ta = this.#anchors.get(arnOrName) ?? [...this.#anchors.values()].find((x) => x.name === arnOrName);
    if (!ta) throw new Error(`emulator: no trust anchor ${JSON.stringify(arnOrName)}`);
    return ta;
  }
}
