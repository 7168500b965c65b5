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
  // SAML federation: the IdP sign-in failed (wrong password, MFA page, unknown form)
  | "SAML_IDP"
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

/**
 * The id of a setting an error is about: the library's option name. Each front
 * end names it its own way: the library by this id, the CLI (and doctor) by its
 * flag ({@link SETTING_FLAGS}).
 * @public
 */
export type SettingId =
  | "trustAnchorArn"
  | "profileArn"
  | "roleArn"
  | "region"
  | "endpoint"
  | "durationSeconds"
  | "roleSessionName"
  | "noVerifySsl"
  | "timeoutMs"
  | "maxAttempts";

/** The CLI flag of each setting that has one (the others are named by their id there too). @public */
export const SETTING_FLAGS: Readonly<Partial<Record<SettingId, string>>> = {
  trustAnchorArn: "--trust-anchor-arn",
  profileArn: "--profile-arn",
  roleArn: "--role-arn",
  region: "--region",
  endpoint: "--endpoint",
  durationSeconds: "--session-duration",
  roleSessionName: "--role-session-name",
  noVerifySsl: "--no-verify-ssl",
};

/** Options every error of this package takes. @public */
export interface RolesAnywhereErrorOptions {
  cause?: unknown;
  hint?: string;
  /** The setting the error is about; then `message` is the detail, and the error's message is `<setting>: <detail>`. */
  setting?: SettingId;
}

/** Base class of every error this package throws on purpose. @public */
export class RolesAnywhereError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** The setting the error is about, if any (its hint then does not name it, so any front end can show it). */
  readonly setting?: SettingId;
  /** With `setting`: the message without the setting's name. */
  readonly detail?: string;
  constructor(code: ErrorCode, message: string, options?: RolesAnywhereErrorOptions) {
    super(options?.setting ? `${options.setting}: ${message}` : message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "RolesAnywhereError";
    this.code = code;
    if (options?.hint) this.hint = options.hint;
    if (options?.setting) {
      this.setting = options.setting;
      this.detail = message;
    }
  }
}

/**
 * An error's message with its setting named by the front end's `name`
 * (e.g. the CLI's flag); the message as it is when it is about no setting.
 * @public
 */
export function messageNaming(err: RolesAnywhereError, name: (setting: SettingId) => string): string {
  return err.setting !== undefined && err.detail !== undefined ? `${name(err.setting)}: ${err.detail}` : err.message;
}

/** The CLI's name of a setting: its flag, else its id. @public */
export const settingFlag = (setting: SettingId): string => SETTING_FLAGS[setting] ?? setting;

/** A usage error (unknown flag, missing or conflicting flags): exit code 2. @public */
export class UsageError extends RolesAnywhereError {
  constructor(message: string, options?: RolesAnywhereErrorOptions) {
    super("USAGE", message, options);
    this.name = "UsageError";
  }
}

/** A configuration error (bad ARN, bad config file value). @public */
export class ConfigError extends RolesAnywhereError {
  constructor(message: string, options?: RolesAnywhereErrorOptions & { code?: ErrorCode }) {
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
