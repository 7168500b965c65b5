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
}

/** What CreateSession asks the credential store to mint. @internal */
export interface MintRequest {
  accountId: string;
  roleArn: string;
  roleSessionName: string;
  sourceIdentity?: string;
  /** Session tags from the certificate (CreateSession) or kept from the caller. */
  principalTags?: Record<string, string>;
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
}

/** Role facts the STS side needs for AssumeRole. @internal */
export interface EmulatorRole {
  arn: string;
  maxSessionDuration: number;
}
