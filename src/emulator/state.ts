import type { EmulatorRole, RoleTrust } from "./types.js";
import { rolesAnywhereArn } from "./arn.js";
import { ConfigError } from "../errors.js";
import { parseCrls, type LoadedCrl, type ResolvedEmulatorConfig, type ResolvedProfile, type ResolvedRole, type ResolvedTrustAnchor } from "./config.js";

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

/**
 * The emulator's in-memory resources: trust anchors, profiles and roles, seeded
 * from a validated config. Tests may switch resources on and off or replace CRLs
 * while the emulator runs; each change bumps the trust anchor's revision, which
 * invalidates cached chain results for it.
 * @public
 */
export class EmulatorState {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly #anchors = new Map<string, ResolvedTrustAnchor>();
  readonly #revisions = new Map<string, number>();
  readonly #profiles = new Map<string, ResolvedProfile>();
  readonly #roles = new Map<string, ResolvedRole>();
  #nextRevision = 1;

  /** @internal */
  constructor(config: ResolvedEmulatorConfig) {
    this.accountId = config.accountId;
    this.region = config.region;
    this.partition = config.partition;
    for (const ta of config.trustAnchors) {
      this.#anchors.set(ta.arn, { ...ta, crls: [...ta.crls] });
      this.#revisions.set(ta.arn, this.#nextRevision++);
    }
    for (const p of config.profiles) this.#profiles.set(p.arn, { ...p, roleArns: [...p.roleArns] });
    for (const r of config.roles) this.#roles.set(r.arn, { ...r });
  }

  /** @internal */
  trustAnchor(arn: string): ResolvedTrustAnchor | undefined {
    return this.#anchors.get(arn);
  }
  /** @internal */
  revision(arn: string): number {
    return this.#revisions.get(arn) ?? 0;
  }
  /** @internal */
  profile(arn: string): ResolvedProfile | undefined {
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

  /** Every trust anchor, in config order. */
  trustAnchors(): TrustAnchorSummary[] {
    return [...this.#anchors.values()].map((t) => ({ name: t.name, arn: t.arn, enabled: t.enabled }));
  }
  /** Every profile, in config order. */
  profiles(): ProfileSummary[] {
    return [...this.#profiles.values()].map((p) => ({ name: p.name, arn: p.arn, enabled: p.enabled, roleArns: [...p.roleArns] }));
  }

  /** Enables or disables a trust anchor, by ARN or name. */
  setTrustAnchorEnabled(arnOrName: string, enabled: boolean): void {
    const ta = this.#findAnchor(arnOrName);
    ta.enabled = enabled;
    this.#revisions.set(ta.arn, this.#nextRevision++);
  }
  /** Enables or disables a profile, by ARN or name. */
  setProfileEnabled(arnOrName: string, enabled: boolean): void {
    const p = this.#profiles.get(arnOrName) ?? [...this.#profiles.values()].find((x) => x.name === arnOrName);
    if (!p) throw new Error(`emulator: no profile ${JSON.stringify(arnOrName)}`);
    p.enabled = enabled;
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
   * ImportCrl/UpdateCrl would. Throws ConfigError when a CRL cannot be read.
   */
  setCrls(arnOrName: string, crls: Array<string | Uint8Array>): void {
    const ta = this.#findAnchor(arnOrName);
    const loaded: LoadedCrl[] = crls.flatMap((c, i) =>
      parseCrls(typeof c === "string" ? Buffer.from(c, "utf8") : Buffer.from(c), (why) => {
        throw new ConfigError(`emulator: CRL ${i + 1} for trust anchor ${ta.name}: ${why}`, { hint: "pass PEM (X509 CRL) or DER CRLs" });
      }),
    );
    ta.crls = loaded;
    this.#revisions.set(ta.arn, this.#nextRevision++);
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

  #findAnchor(arnOrName: string): ResolvedTrustAnchor {
    const ta = this.#anchors.get(arnOrName) ?? [...this.#anchors.values()].find((x) => x.name === arnOrName);
    if (!ta) throw new Error(`emulator: no trust anchor ${JSON.stringify(arnOrName)}`);
    return ta;
  }
}
