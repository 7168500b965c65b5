/** One audit-log line (JSON). Never holds a secret. @public */
export interface AuditEntry {
  time: string; // ISO 8601
  operation: "CreateSession" | "GetCallerIdentity" | "AssumeRole" | "Unknown";
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
}

/** What CreateSession asks the credential store to mint. @internal */
export interface MintRequest {
  accountId: string;
  roleArn: string;
  roleSessionName: string;
  sourceIdentity?: string;
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
}

/** Role facts the STS side needs for AssumeRole. @internal */
export interface EmulatorRole {
  arn: string;
  maxSessionDuration: number;
}
