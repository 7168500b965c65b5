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
  | "IO"
  // identity tokens: a verifier refusal (src/verifier), one code per reason
  | IdentityTokenRefusal;

/**
 * Why `verifyIdentityToken` refused a token. Everything up to `REPLAYED` is
 * decided locally, before any request is sent; the `STS_*` codes concern the
 * call to STS; the allowlist codes come after STS named the caller.
 * @public
 */
export type IdentityTokenRefusal =
  | "TOKEN_TOO_LARGE"
  | "TOKEN_MALFORMED"
  | "URL_USERINFO"
  | "URL_IP_LITERAL"
  | "URL_INSECURE_SCHEME"
  | "HOST_NOT_ALLOWED"
  | "URL_NOT_ALLOWED"
  | "METHOD_NOT_ALLOWED"
  | "ACTION_NOT_ALLOWED"
  | "PARAMETER_NOT_ALLOWED"
  | "PARAMETER_DUPLICATED"
  | "HEADER_NOT_ALLOWED"
  | "HEADER_DUPLICATED"
  | "SIGNATURE_MALFORMED"
  | "AUDIENCE_MISSING"
  | "AUDIENCE_NOT_SIGNED"
  | "AUDIENCE_MISMATCH"
  | "SIGNED_TOO_LONG_AGO"
  | "SIGNED_IN_FUTURE"
  | "EXPIRES_TOO_LONG"
  | "REPLAYED"
  | "STS_REFUSED"
  | "STS_BAD_ANSWER"
  | "STS_UNREACHABLE"
  | "STS_TIMEOUT"
  | "ACCOUNT_NOT_ALLOWED"
  | "PRINCIPAL_NOT_ALLOWED";

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
