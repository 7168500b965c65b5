import type { CommandModule } from "../context.js";

/**
 * Every command, loaded lazily so that a command pays only for the modules it
 * uses (credential-process must start fast). Each module exports `command`.
 */
export const commands: Record<string, { describe: string; load: () => Promise<CommandModule> }> = {
  "credential-process": {
    describe: "Print temporary credentials as credential_process JSON",
    load: async () => (await import("./credential-process.js")).command,
  },
  "sign-string": {
    describe: "Sign the fixed test message with the private key",
    load: async () => (await import("./sign-string.js")).command,
  },
  "read-certificate-data": {
    describe: "Print a certificate's key type, DER, serial and algorithms",
    load: async () => (await import("./read-certificate-data.js")).command,
  },
  serve: {
    describe: "Serve credentials on an IMDSv2-compatible and a container endpoint",
    load: async () => (await import("./serve.js")).command,
  },
  update: {
    describe: "Write credentials into the shared credentials file and keep them fresh",
    load: async () => (await import("./update.js")).command,
  },
  "generate-credential-process-data": {
    describe: "Make a private test PKI: root CA, optional intermediate, client certificate",
    load: async () => (await import("./generate-credential-process-data.js")).command,
  },
  emulator: {
    describe: "Run a strict local Roles Anywhere CreateSession + STS emulator",
    load: async () => (await import("./emulator.js")).command,
  },
  "identity-token": {
    describe: "Print a token proving this IAM identity to a service outside AWS (vault, k8s, akeyless, url)",
    load: async () => (await import("./identity-token.js")).command,
  },
  "verify-identity-token": {
    describe: "Check an identity token with STS and print who made it",
    load: async () => (await import("./verify-identity-token.js")).command,
  },
  doctor: {
    describe: "Check a setup offline (and online with --online) and print a checklist",
    load: async () => (await import("./doctor.js")).command,
  },
  healthcheck: {
    describe: "Exit 0 when a serve health route answers 200 (for container health checks)",
    load: async () => (await import("./healthcheck.js")).command,
  },
  completion: {
    describe: "Print a shell completion script (bash, zsh, fish, powershell)",
    load: async () => (await import("./completion.js")).command,
  },
  env: {
    describe: "Print shell lines that export temporary credentials (eval \"$(signing-helper env …)\")",
    load: async () => (await import("./env.js")).command,
  },
  exec: {
    describe: "Run a program with temporary credentials (--refresh: a private endpoint keeps them fresh)",
    load: async () => (await import("./exec.js")).command,
  },
  "saml-roles": {
    describe: "Print the AWS roles a SAML assertion offers (from --saml-assertion or a sign-in at --saml-idp-url)",
    load: async () => (await import("./saml.js")).samlRolesCommand,
  },
  "saml-assertion": {
    describe: "Sign in at a SAML IdP and print the base64 SAMLResponse (for aws sts assume-role-with-saml)",
    load: async () => (await import("./saml.js")).samlAssertionCommand,
  },
  cache: {
    describe: "Clear cached credentials: cache clear [--config-profile NAME]",
    load: async () => (await import("./cache.js")).command,
  },
  init: {
    describe: "Write a named profile with its credential_process line into ~/.aws/config",
    load: async () => (await import("./init.js")).command,
  },
};
