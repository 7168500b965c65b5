import { UsageError } from "../errors.js";

/** Flags whose values are secrets: a stray word right after one may be part of the secret. */
const SECRET_FLAGS = new Set(["--pkcs8-password", "-pkcs8-password", "--tpm-key-password", "-tpm-key-password", "--auth-token", "-auth-token"]);

/**
 * The usage error for an argument that is not a flag nor a flag's value (no
 * command takes positional arguments). A stray word usually means a value with
 * spaces that was not quoted, or a line continuation that did not survive (as in
 * a `credential_process` line), so it is refused rather than ignored. The word is
 * shown unless it may be secret (PEM text, or right after a password or token flag).
 */
export function unexpectedArgument(argv: readonly string[], arg: string): UsageError {
  const i = argv.indexOf(arg);
  const nearSecret = [argv[i - 1], argv[i - 2]].some((a) => a !== undefined && SECRET_FLAGS.has(a.split("=")[0]!));
  const shown =
    arg.includes("-----BEGIN") || nearSecret
      ? "(value not shown)"
      : `'${arg.length > 60 ? `${arg.slice(0, 60)}…` : arg}'`;
  return new UsageError(`unexpected argument ${shown}: commands take only flags (--name value)`, {
    hint: "quote values that contain spaces, and keep the whole command on one line (a backslash line continuation in ~/.aws/config does not work)",
  });
}
