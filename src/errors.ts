/**
 * Error types shared by every layer. Each error has a stable `code` (never
 * renamed once released), a one-line `message` naming the source and what went
 * wrong, and an optional `hint` telling the user what to do.
 * @public
 */
export type ErrorCode =
  // identity loading
  | "SOURCE_NOT_FOUND"
  | "SOURCE_UNREADABLE"
  | "CERTIFICATE_PARSE"
  | "KEY_PARSE"
  | "KEY_DECRYPT"
  | "PASSWORD_REQUIRED"
  | "CERTIFICATE_KEY_MISMATCH"
  | "UNSUPPORTED_KEY_TYPE"
  | "UNSUPPORTED_ON_THIS_NODE"
  | "CHAIN_TOO_LONG"
  | "PKCS12"
  | "PKCS11"
  // configuration and usage
  | "CONFIG"
  | "USAGE"
  | "NOT_SUPPORTED"
  | "INVALID_ARN"
  // service and network
  | "CREATE_SESSION"
  | "ASSUME_ROLE"
  | "NETWORK"
  | "TIMEOUT"
  | "NO_CREDENTIALS"
  | "IO";

/** Base class of every error this package throws on purpose. @public */
export class RolesAnywhereError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "RolesAnywhereError";
    this.code = code;
    if (options?.hint) this.hint = options.hint;
  }
}

/** A usage error (unknown flag, missing or conflicting flags): exit code 2. @public */
export class UsageError extends RolesAnywhereError {
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super("USAGE", message, options);
    this.name = "UsageError";
  }
}

/** A configuration error (bad ARN, bad config file value). @public */
export class ConfigError extends RolesAnywhereError {
  constructor(message: string, options?: { cause?: unknown; hint?: string; code?: ErrorCode }) {
    super(options?.code ?? "CONFIG", message, options);
    this.name = "ConfigError";
  }
}

/** A failure reading or parsing a certificate or key. @public */
export class IdentityError extends RolesAnywhereError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; hint?: string }) {
    super(code, message, options);
    this.name = "IdentityError";
  }
}

/** The service (or emulator) refused CreateSession, or answered badly. @public */
export class CreateSessionError extends RolesAnywhereError {
  /** HTTP status, 0 when no response was received. */
  readonly status: number;
  /** The AWS error type, e.g. `AccessDeniedException`. */
  readonly awsCode?: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  constructor(
    message: string,
    init: { status: number; awsCode?: string; requestId?: string; retryable?: boolean; hint?: string; cause?: unknown; code?: ErrorCode },
  ) {
    super(init.code ?? "CREATE_SESSION", message, { cause: init.cause, hint: init.hint });
    this.name = "CreateSessionError";
    this.status = init.status;
    if (init.awsCode) this.awsCode = init.awsCode;
    if (init.requestId) this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
  }
}

/** STS refused a call (e.g. AssumeRole of a role-chaining hop), or answered badly. @public */
export class StsError extends RolesAnywhereError {
  /** HTTP status, 0 when no response was received. */
  readonly status: number;
  /** STS's error code, e.g. `AccessDenied`, `ValidationError`, `ExpiredToken`. */
  readonly awsCode?: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  constructor(
    message: string,
    init: { status: number; awsCode?: string; requestId?: string; retryable?: boolean; hint?: string; cause?: unknown; code?: ErrorCode },
  ) {
    super(init.code ?? "ASSUME_ROLE", message, { cause: init.cause, hint: init.hint });
    this.name = "StsError";
    this.status = init.status;
    if (init.awsCode) this.awsCode = init.awsCode;
    if (init.requestId) this.requestId = init.requestId;
    this.retryable = init.retryable ?? false;
  }
}
