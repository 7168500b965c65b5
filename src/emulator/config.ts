import "reflect-metadata";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { X509Crl } from "@peculiar/x509";
import { ConfigError } from "../errors.js";
import { parseRoleArn, partitionOf, rolesAnywhereArn } from "./arn.js";
import { resolveSaml, type ResolvedSaml, type SamlProviderConfig, type SamlUserConfig } from "./saml/config.js";
import { parseCertInfo, KeyUsageFlags, type CertInfo } from "./cert-info.js";
import { looksLikePem, pemBlocks } from "./pem.js";
import type { RoleTrust } from "./types.js";

/** A trust anchor in the config file (contract.md §5). @public */
export interface TrustAnchorConfig {
  /** Unique name; the ARN is derived from it. */
  name: string;
  /** CA certificate files (PEM or DER; paths relative to the config file) or inline PEM text. 1-2 certificates in all. */
  certificates: string[];
  /** CRL files (PEM or DER) or inline PEM, checked for every certificate in a path to this anchor. At most 2. */
  crls?: string[];
  /** Default true. */
  enabled?: boolean;
}

/** A profile in the config file. @public */
export interface ProfileConfig {
  name: string;
  /** Roles this profile may hand out (1-250). */
  roleArns: string[];
  /** Session duration cap, 900-43200, default 3600. */
  durationSeconds?: number;
  /** Whether a request may set roleSessionName; default false. */
  acceptRoleSessionName?: boolean;
  /** Whether requests must carry instanceProperties; default false. */
  requireInstanceProperties?: boolean;
  /** Default true. */
  enabled?: boolean;
}

/** An IAM role the emulator knows. Roles named only in a profile get maxSessionDuration 3600. @public */
export interface RoleConfig {
  /** Any account of the config's partition (cross-account roles for AssumeRole); a role in a profile must be in `accountId`. */
  arn: string;
  /** 3600-43200, default 3600. */
  maxSessionDuration?: number;
  /** Who may assume the role with STS AssumeRole, and on what conditions. Absent: any session the emulator minted. */
  trust?: RoleTrust;
}

/** The emulator config file (contract.md §5). @public */
export interface EmulatorConfig {
  /** 12 digits, default 123456789012. */
  accountId?: string;
  /** Default us-east-1. */
  region?: string;
  trustAnchors: TrustAnchorConfig[];
  profiles: ProfileConfig[];
  roles?: RoleConfig[];
  /** SAML providers (IAM saml-provider) for STS AssumeRoleWithSAML, and the emulated IdP. */
  samlProviders?: SamlProviderConfig[];
  /** Users of the emulated IdP. */
  samlUsers?: SamlUserConfig[];
}

/** A loaded CRL. @internal */
export interface LoadedCrl {
  der: Buffer;
  crl: X509Crl;
}

/** @internal */
export interface ResolvedTrustAnchor {
  name: string;
  arn: string;
  enabled: boolean;
  certificates: CertInfo[];
  crls: LoadedCrl[];
}
/** @internal */
export interface ResolvedProfile {
  name: string;
  arn: string;
  roleArns: string[];
  durationSeconds: number;
  acceptRoleSessionName: boolean;
  requireInstanceProperties: boolean;
  enabled: boolean;
}
/** @internal */
export interface ResolvedRole {
  arn: string;
  accountId: string;
  roleName: string;
  maxSessionDuration: number;
  trust?: RoleTrust;
}
/** A validated config with files loaded and ARNs derived. @internal */
export interface ResolvedEmulatorConfig {
  accountId: string;
  region: string;
  partition: string;
  trustAnchors: ResolvedTrustAnchor[];
  profiles: ResolvedProfile[];
  roles: ResolvedRole[];
  saml?: ResolvedSaml;
}

/** Options of resolveConfig. @internal */
export interface ResolveConfigOptions {
  /** Directory that relative paths are resolved against. */
  baseDir: string;
  /** File reader (injected in tests). */
  readFile?: (path: string) => Buffer;
  /** Named in the hint of errors, e.g. the config file path. */
  source?: string;
}

export const DEFAULT_ACCOUNT_ID = "123456789012";
export const DEFAULT_REGION = "us-east-1";
const NAME_RE = /^[ a-zA-Z0-9_-]{1,255}$/;
const PRINCIPAL_RE = /^(\*|\d{12}|arn:[\w*?-]+:(iam|sts)::[\d*?]{1,12}:[^\s]+)$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

class Checker {
  constructor(private readonly source: string | undefined) {}

  fail(path: string, why: string): never {
    throw new ConfigError(`config: ${path}: ${why}`, {
      hint: this.source ? `fix ${path} in ${this.source} (see the emulator config format in the README)` : `fix ${path} in the emulator config`,
    });
  }
  object(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(path, "must be an object");
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.fail(path === "(root)" ? k : `${path}.${k}`, `unknown key (allowed: ${allowed.join(", ")})`);
    }
    return v as Record<string, unknown>;
  }
  array(v: unknown, path: string, min: number, max: number): unknown[] {
    if (!Array.isArray(v)) this.fail(path, "must be an array");
    if (v.length < min || v.length > max) this.fail(path, min === max ? `must have ${min} entries` : `must have ${min}-${max} entries`);
    return v;
  }
  string(v: unknown, path: string, re?: RegExp, what?: string): string {
    if (typeof v !== "string") this.fail(path, "must be a string");
    if (re && !re.test(v)) this.fail(path, `must be ${what ?? `a string matching ${String(re)}`}, not ${JSON.stringify(v)}`);
    return v;
  }
  bool(v: unknown, path: string, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") this.fail(path, "must be true or false");
    return v;
  }
  int(v: unknown, path: string, min: number, max: number, dflt: number): number {
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) this.fail(path, `must be an integer ${min}-${max}`);
    return v;
  }
}

function sub(path: string, key: string): string {
  return path === "(root)" ? key : `${path}.${key}`;
}

function readMaterial(ref: string, opts: ResolveConfigOptions, c: Checker, path: string): Buffer {
  if (ref.trimStart().startsWith("-----BEGIN")) return Buffer.from(ref, "utf8");
  if (ref === "") c.fail(path, "must be a file path or PEM text, not empty");
  const file = isAbsolute(ref) ? ref : resolve(opts.baseDir, ref);
  try {
    return (opts.readFile ?? readFileSync)(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return c.fail(path, `cannot read ${JSON.stringify(file)}${code ? ` (${code})` : ""}`);
  }
}

function loadCertificates(ref: string, opts: ResolveConfigOptions, c: Checker, path: string): CertInfo[] {
  return parseTrustAnchorCertificates(readMaterial(ref, opts, c, path), (why, n) => c.fail(n === undefined ? path : `${path} (certificate ${n})`, why));
}

/**
 * Parses trust anchor certificates (PEM with CERTIFICATE blocks, or one DER
 * certificate) and checks each is a v3 CA certificate fit to be an anchor;
 * `fail` gets the reason (and the 1-based certificate number when there are several).
 * @internal
 */
export function parseTrustAnchorCertificates(bytes: Buffer, fail: (why: string, n?: number) => never): CertInfo[] {
  let ders: Buffer[];
  if (looksLikePem(bytes)) {
    const blocks = pemBlocks(bytes.toString("utf8"));
    ders = blocks.filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
    if (ders.length === 0) fail("holds no CERTIFICATE PEM block");
  } else {
    ders = [bytes];
  }
  return ders.map((der, i) => {
    const n = ders.length > 1 ? i + 1 : undefined;
    let info: CertInfo;
    try {
      info = parseCertInfo(der);
    } catch (err) {
      return fail(`not a readable X.509 certificate (${(err as Error).message})`, n);
    }
    if (info.version !== 3) fail(`trust anchor certificate must be X.509 v3, not v${info.version}`, n);
    if (info.ca !== true) fail("trust anchor certificate must have basicConstraints CA:TRUE", n);
    if (info.keyUsage !== undefined && (info.keyUsage & KeyUsageFlags.keyCertSign) === 0) {
      fail("trust anchor certificate keyUsage must include keyCertSign", n);
    }
    if (!info.signatureHashStrong) {
      fail(`trust anchor certificate is signed with ${info.signatureAlgorithmName}; SHA-256 or stronger is required`, n);
    }
    return info;
  });
}

function loadCrls(ref: string, opts: ResolveConfigOptions, c: Checker, path: string): LoadedCrl[] {
  return parseCrls(readMaterial(ref, opts, c, path), (why) => c.fail(path, why));
}

/**
 * Parses CRL bytes (PEM with one or more `X509 CRL` blocks, or one DER CRL);
 * `fail` is called with the reason when they are not that.
 * @internal
 */
export function parseCrls(bytes: Buffer, fail: (why: string) => never): LoadedCrl[] {
  if (bytes.length > 300_000) fail("CRL is larger than 300000 bytes");
  let ders: Buffer[];
  if (looksLikePem(bytes)) {
    ders = pemBlocks(bytes.toString("utf8"))
      .filter((b) => b.label === "X509 CRL")
      .map((b) => b.der);
    if (ders.length === 0) fail("holds no X509 CRL PEM block");
  } else {
    ders = [bytes];
  }
  return ders.map((der) => {
    try {
      return { der, crl: new X509Crl(der) };
    } catch (err) {
      return fail(`not a readable X.509 CRL (${(err as Error).message})`);
    }
  });
}

/**
 * Validates a config object (the JSON of contract.md §5), loads its certificate
 * and CRL files, and derives stable ARNs. Unknown keys and bad values throw
 * ConfigError naming the key path, e.g.
 * `config: profiles[0].durationSeconds: must be an integer 900-43200`.
 * @internal
 */
export function resolveConfig(input: unknown, opts: ResolveConfigOptions): ResolvedEmulatorConfig {
  const c = new Checker(opts.source);
  const root = c.object(input, "(root)", ["accountId", "region", "trustAnchors", "profiles", "roles", "samlProviders", "samlUsers"]);
  const accountId =
    root.accountId === undefined ? DEFAULT_ACCOUNT_ID : c.string(root.accountId, "accountId", /^\d{12}$/, "12 digits");
  const region =
    root.region === undefined ? DEFAULT_REGION : c.string(root.region, "region", REGION_RE, "a region name such as us-east-1");

  const taNames = new Set<string>();
  const trustAnchors = c.array(root.trustAnchors, "trustAnchors", 1, 50).map((raw, i): ResolvedTrustAnchor => {
    const p = `trustAnchors[${i}]`;
    const o = c.object(raw, p, ["name", "certificates", "crls", "enabled"]);
    const name = c.string(o.name, sub(p, "name"), NAME_RE, "1-255 letters, digits, spaces, '_' or '-'");
    if (taNames.has(name)) c.fail(sub(p, "name"), `duplicate trust anchor name ${JSON.stringify(name)}`);
    taNames.add(name);
    const certificates = c
      .array(o.certificates, sub(p, "certificates"), 1, 2)
      .flatMap((ref, j) => loadCertificates(c.string(ref, `${p}.certificates[${j}]`), opts, c, `${p}.certificates[${j}]`));
    if (certificates.length > 2) c.fail(sub(p, "certificates"), `holds ${certificates.length} certificates; a trust anchor has at most 2`);
    const crls =
      o.crls === undefined
        ? []
        : c.array(o.crls, sub(p, "crls"), 0, 2).flatMap((ref, j) => loadCrls(c.string(ref, `${p}.crls[${j}]`), opts, c, `${p}.crls[${j}]`));
    return {
      name,
      arn: rolesAnywhereArn(region, accountId, "trust-anchor", name),
      enabled: c.bool(o.enabled, sub(p, "enabled"), true),
      certificates,
      crls,
    };
  });

  const checkTrust = (raw: unknown, path: string): RoleTrust => {
    const o = c.object(raw, path, ["principals", "externalId", "requireSourceIdentity", "requiredTagKeys", "allowTagSession", "allowSetSourceIdentity"]);
    const principals = c.array(o.principals, sub(path, "principals"), 1, 100).map((v, j) =>
      c.string(v, `${path}.principals[${j}]`, PRINCIPAL_RE, "*, an account id, arn:<partition>:iam::<account>:root, a role ARN or an assumed-role ARN (wildcards * and ?)"),
    );
    const trust: RoleTrust = { principals };
    if (o.externalId !== undefined) trust.externalId = c.string(o.externalId, sub(path, "externalId"), /^[\w+=,.@:/-]{2,1224}$/, "2-1224 of letters, digits and + = , . @ : / _ -");
    if (o.requireSourceIdentity !== undefined) trust.requireSourceIdentity = c.bool(o.requireSourceIdentity, sub(path, "requireSourceIdentity"), false);
    if (o.requiredTagKeys !== undefined) {
      trust.requiredTagKeys = c.array(o.requiredTagKeys, sub(path, "requiredTagKeys"), 0, 50).map((v, j) => c.string(v, `${path}.requiredTagKeys[${j}]`, /^.{1,128}$/, "1-128 characters"));
    }
    if (o.allowTagSession !== undefined) trust.allowTagSession = c.bool(o.allowTagSession, sub(path, "allowTagSession"), true);
    if (o.allowSetSourceIdentity !== undefined) trust.allowSetSourceIdentity = c.bool(o.allowSetSourceIdentity, sub(path, "allowSetSourceIdentity"), true);
    return trust;
  };

  const roles = new Map<string, ResolvedRole>();
  const checkRole = (arn: string, path: string, anyAccount = false): { accountId: string; roleName: string } => {
    const parsed = parseRoleArn(arn);
    if (!parsed) return c.fail(path, `must be an IAM role ARN like arn:aws:iam::${accountId}:role/name, not ${JSON.stringify(arn)}`);
    if (!anyAccount && parsed.accountId !== accountId) c.fail(path, `role account ${parsed.accountId} differs from accountId ${accountId}`);
    if (!arn.startsWith(`arn:${partitionOf(region)}:`)) c.fail(path, `role partition differs from the region's partition (${partitionOf(region)})`);
    return parsed;
  };
  if (root.roles !== undefined) {
    c.array(root.roles, "roles", 0, 1000).forEach((raw, i) => {
      const p = `roles[${i}]`;
      const o = c.object(raw, p, ["arn", "maxSessionDuration", "trust"]);
      const arn = c.string(o.arn, sub(p, "arn"));
      const parsed = checkRole(arn, sub(p, "arn"), true);
      if (roles.has(arn)) c.fail(sub(p, "arn"), "duplicate role");
      const role: ResolvedRole = { arn, ...parsed, maxSessionDuration: c.int(o.maxSessionDuration, sub(p, "maxSessionDuration"), 3600, 43200, 3600) };
      if (o.trust !== undefined) role.trust = checkTrust(o.trust, sub(p, "trust"));
      roles.set(arn, role);
    });
  }

  const profileNames = new Set<string>();
  const profiles = c.array(root.profiles, "profiles", 1, 250).map((raw, i): ResolvedProfile => {
    const p = `profiles[${i}]`;
    const o = c.object(raw, p, [
      "name",
      "roleArns",
      "durationSeconds",
      "acceptRoleSessionName",
      "requireInstanceProperties",
      "enabled",
    ]);
    const name = c.string(o.name, sub(p, "name"), NAME_RE, "1-255 letters, digits, spaces, '_' or '-'");
    if (profileNames.has(name)) c.fail(sub(p, "name"), `duplicate profile name ${JSON.stringify(name)}`);
    profileNames.add(name);
    const roleArns = c.array(o.roleArns, sub(p, "roleArns"), 1, 250).map((v, j) => {
      const at = `${p}.roleArns[${j}]`;
      const arn = c.string(v, at);
      const parsed = checkRole(arn, at);
      const known = roles.get(arn);
      if (known && known.accountId !== accountId) c.fail(at, `role account ${known.accountId} differs from accountId ${accountId}`);
      if (!known) roles.set(arn, { arn, ...parsed, maxSessionDuration: 3600 });
      return arn;
    });
    return {
      name,
      arn: rolesAnywhereArn(region, accountId, "profile", name),
      roleArns,
      durationSeconds: c.int(o.durationSeconds, sub(p, "durationSeconds"), 900, 43200, 3600),
      acceptRoleSessionName: c.bool(o.acceptRoleSessionName, sub(p, "acceptRoleSessionName"), false),
      requireInstanceProperties: c.bool(o.requireInstanceProperties, sub(p, "requireInstanceProperties"), false),
      enabled: c.bool(o.enabled, sub(p, "enabled"), true),
    };
  });

  const saml = resolveSaml(root.samlProviders, root.samlUsers, {
    accountId, partition: partitionOf(region), read: (ref, path) => readMaterial(ref, opts, c, path), fail: (path, why) => c.fail(path, why),
  });
  return { accountId, region, partition: partitionOf(region), trustAnchors, profiles, roles: [...roles.values()], ...(saml ? { saml } : {}) };
}

/**
 * Reads and validates a JSON config file; relative paths inside it are resolved
 * against the file's directory.
 * @internal
 */
export function loadConfigFile(file: string, readFile: (path: string) => Buffer = readFileSync): ResolvedEmulatorConfig {
  let text: string;
  try {
    text = readFile(file).toString("utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`config: cannot read ${JSON.stringify(file)}${code ? ` (${code})` : ""}`, {
      cause: err,
      hint: "check the --config path",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config: ${file}: not valid JSON (${(err as Error).message})`, {
      cause: err,
      hint: "fix the JSON syntax of the config file",
    });
  }
  return resolveConfig(json, { baseDir: dirname(resolve(file)), readFile, source: file });
}

/** Options of quick mode: one trust anchor, one profile, one role. @public */
export interface QuickConfigOptions {
  /** PEM text of the trust anchor certificate(s). */
  trustAnchorCertPem: string;
  /** Default `arn:aws:iam::<accountId>:role/rolesanywhere-emulator`. */
  roleArn?: string;
  region?: string;
  /** Default: the role ARN's account, else 123456789012. */
  accountId?: string;
  /** Profile settings; quick mode accepts roleSessionName by default. */
  profile?: Pick<ProfileConfig, "durationSeconds" | "acceptRoleSessionName" | "requireInstanceProperties">;
  /** maxSessionDuration of the role, default 3600. */
  maxSessionDuration?: number;
  /** SAML: one provider (`quick-saml-idp`) with this signing identity, one IdP user, and the role trusting the provider. */
  saml?: { user: string; password: string; certificatePem: string; privateKeyPem: string };
}

/** The name of quick mode's SAML provider. @internal */
export const QUICK_SAML_PROVIDER = "quick-saml-idp";

/** The config that quick mode (`--trust-anchor-cert`) stands for. @internal */
export function quickConfig(opts: QuickConfigOptions): EmulatorConfig {
  const accountId = opts.accountId ?? (opts.roleArn ? parseRoleArn(opts.roleArn)?.accountId : undefined) ?? DEFAULT_ACCOUNT_ID;
  const region = opts.region ?? DEFAULT_REGION;
  const roleArn = opts.roleArn ?? `arn:${partitionOf(region)}:iam::${accountId}:role/rolesanywhere-emulator`;
  return {
    accountId,
    region,
    trustAnchors: [{ name: "quick-trust-anchor", certificates: [opts.trustAnchorCertPem], enabled: true }],
    profiles: [
      {
        name: "quick-profile",
        roleArns: [roleArn],
        durationSeconds: opts.profile?.durationSeconds ?? 3600,
        acceptRoleSessionName: opts.profile?.acceptRoleSessionName ?? true,
        requireInstanceProperties: opts.profile?.requireInstanceProperties ?? false,
        enabled: true,
      },
    ],
    roles: [{
      arn: roleArn,
      maxSessionDuration: opts.maxSessionDuration ?? 3600,
      // With SAML: any session of the account (as without a trust) or the quick SAML provider.
      ...(opts.saml ? { trust: { principals: [`arn:${partitionOf(region)}:iam::${accountId}:root`, `arn:${partitionOf(region)}:iam::${accountId}:saml-provider/${QUICK_SAML_PROVIDER}`] } } : {}),
    }],
    ...(opts.saml ? {
      samlProviders: [{ name: QUICK_SAML_PROVIDER, certificate: opts.saml.certificatePem, privateKey: opts.saml.privateKeyPem }],
      samlUsers: [{ name: opts.saml.user, password: opts.saml.password, roles: [roleArn] }],
    } : {}),
  };
}
