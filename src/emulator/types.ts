/** One audit-log line (JSON). Never holds a secret. @public */
export interface AuditEntry {
  time: string; // ISO 8601
  /** CreateSession, the STS actions, a management API operation (CreateTrustAnchor, …), or Unknown. */
  operation: "CreateSession" | "GetCallerIdentity" | "AssumeRole" | "Unknown" | (string & {});
  outcome: "success" | "failure";
  status: number;
  requestId: string;
  errorCode?: string;
  reason?: string;
  /** Leaf certificate serial, decimal. */
  serial?: string;
  subject?: string;
  algorithm?: string;
  chainLength?: number;
  sourceIdentity?: string;
  trustAnchorArn?: string;
  profileArn?: string;
  roleArn?: string;
  /** The access key id (not secret) used for an STS call or minted by CreateSession. */
  accessKeyId?: string;
  /** CreateSession: the principal tags of the minted session (certificate attributes after the profile's attribute mappings). */
  principalTags?: Record<string, string>;
  /** AssumeRole: the caller's assumed-role ARN. */
  principal?: string;
  /** AssumeRole: whether the ExternalId matched the role's trust (absent when the trust names none). */
  externalIdMatch?: boolean;
  /** AssumeRole: the new session's tags (requested plus those carried as transitive), key → value. */
  sessionTags?: Record<string, string>;
  /** AssumeRole: the new session's transitive tag keys. */
  transitiveTagKeys?: string[];
  /** AssumeRole: length of the inline session policy, in characters, and the packed size in percent. */
  policySize?: number;
  packedPolicySize?: number;
  /** AssumeRole: number of managed session policy ARNs. */
  policyArnCount?: number;
}

/** What CreateSession asks the credential store to mint. @internal */
export interface MintRequest {
  accountId: string;
  roleArn: string;
  roleSessionName: string;
  sourceIdentity?: string;
  /** Session tags from the certificate (CreateSession) or kept from the caller. */
  principalTags?: Record<string, string>;
  /** Session tags of the new session (STS AssumeRole). */
  sessionTags?: SessionTag[];
  /** Keys of sessionTags that pass on to the next role session. */
  transitiveTagKeys?: string[];
  durationSeconds: number;
  /** ms since epoch (from the emulator's injected clock). */
  now: number;
}

/** Credentials the emulator minted; STS accepts exactly these until they expire. @internal */
export interface MintedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  accountId: string;
  roleArn: string;
  roleSessionName: string;
  assumedRoleArn: string;
  assumedRoleId: string;
  sourceIdentity?: string;
  /**
   * The session's principal tags (`aws:PrincipalTag/<key>` in policies): for a
   * CreateSession session, the certificate attributes kept by the profile's
   * attribute mappings, e.g. `{"x509Subject/CN": "client", "x509Issuer/CN": "Root"}`.
   */
  principalTags?: Record<string, string>;
  sessionTags?: SessionTag[];
  transitiveTagKeys?: string[];
}

/** A session tag. @internal */
export interface SessionTag {
  key: string;
  value: string;
}

/**
 * Who may assume a role, and on what conditions: a role trust policy reduced to
 * what the emulator checks. @public
 */
export interface RoleTrust {
  /**
   * Trusted principals: an account id or `arn:<p>:iam::<account>:root` (any principal of the account),
   * a role ARN (its sessions), an assumed-role session ARN, `*`; `*` and `?` match as in IAM's ArnLike.
   */
  principals: string[];
  /** The ExternalId the caller must pass (sts:ExternalId condition). */
  externalId?: string;
  /** The new session must have a source identity (given or carried). Default false. */
  requireSourceIdentity?: boolean;
  /** Session tag keys the new session must carry (aws:RequestTag / transitive), compared without case. */
  requiredTagKeys?: string[];
  /** sts:TagSession allowed (needed for session tags, given or transitive). Default true. */
  allowTagSession?: boolean;
  /** sts:SetSourceIdentity allowed (needed when a source identity is given or carried). Default true. */
  allowSetSourceIdentity?: boolean;
}

/** Role facts the STS side needs for AssumeRole. @internal */
export interface EmulatorRole {
  arn: string;
  maxSessionDuration: number;
  /** Absent: any session the emulator minted may assume the role (the behaviour before trust policies). */
  trust?: RoleTrust;
}
