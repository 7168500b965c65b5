/**
 * The examples and environment variables shown in each command's --help. Kept
 * apart from the command modules so that a normal run never loads this text:
 * it is imported only when help is asked for.
 */
import type { HelpExtras } from "./args.js";

const ARNS =
  "--trust-anchor-arn arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/TA --profile-arn arn:aws:rolesanywhere:us-east-1:111122223333:profile/P --role-arn arn:aws:iam::111122223333:role/R";

/** The variables every command that calls CreateSession reads. */
const SESSION_ENV = [
  "AWS_REGION: signing region when neither --region nor the trust anchor ARN gives one",
  "AWS_ENDPOINT_URL_ROLESANYWHERE: Roles Anywhere endpoint (then AWS_ENDPOINT_URL); --endpoint wins",
  "AWS_ENDPOINT_URL: endpoint for every AWS service, used when nothing more specific is set",
  "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: true ignores the two endpoint variables",
  "AWS_USE_FIPS_ENDPOINT: true selects the FIPS endpoint",
  "AWS_USE_DUALSTACK_ENDPOINT: true selects the dual-stack endpoint",
  "AWS_CA_BUNDLE: PEM file of CA certificates to trust for the endpoint",
  "HTTPS_PROXY, HTTP_PROXY, NO_PROXY: proxy settings (loopback endpoints never use a proxy)",
];

export const helpExtras: Record<string, HelpExtras> = {
  "credential-process": {
    examples: [
      `credential_process = signing-helper credential-process --cache --certificate /etc/pki/cert.pem --private-key /etc/pki/key.pem ${ARNS}`,
    ],
    env: [
      ...SESSION_ENV,
      "XDG_CACHE_HOME: where --cache keeps credentials (default ~/.cache)",
      "SIGNING_HELPER_NO_CODE_CACHE: 1 turns the start-up code cache off",
    ],
  },
  serve: {
    examples: [
      `signing-helper serve --certificate cert.pem --private-key key.pem ${ARNS} --auth-token-file /run/secrets/ra-token`,
    ],
    env: [...SESSION_ENV, "SIGNING_HELPER_NO_NATIVE: 1 disables the native addon that enforces --hop-limit"],
  },
  update: {
    examples: [`signing-helper update --certificate cert.pem --private-key key.pem ${ARNS} --profile ra`],
    env: [...SESSION_ENV, "AWS_SHARED_CREDENTIALS_FILE: the credentials file to write (default ~/.aws/credentials)"],
  },
  doctor: {
    examples: [
      `signing-helper doctor --certificate cert.pem --private-key key.pem --trust-anchor-cert ca.pem ${ARNS}`,
      `signing-helper doctor --online --json --certificate cert.pem --private-key key.pem ${ARNS}`,
    ],
    env: SESSION_ENV,
  },
  "sign-string": {
    examples: ["signing-helper sign-string --private-key key.pem --format text"],
  },
  "read-certificate-data": {
    examples: ["signing-helper read-certificate-data --certificate cert.pem"],
  },
  "generate-credential-process-data": {
    examples: ["signing-helper generate-credential-process-data --out-dir ./pki"],
  },
  emulator: {
    examples: ["signing-helper emulator --trust-anchor-cert ./pki/root-cert.pem"],
  },
  "identity-token": {
    examples: [
      `signing-helper identity-token --audience vault.example.com --format vault --certificate cert.pem --private-key key.pem ${ARNS}`,
      "signing-helper identity-token --audience my-cluster --format k8s        # from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN",
    ],
    env: [
      ...SESSION_ENV,
      "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: the credentials to sign with when no certificate flags are given",
      "AWS_ENDPOINT_URL_STS: STS endpoint the token names (then AWS_ENDPOINT_URL); --sts-endpoint wins",
    ],
  },
  "verify-identity-token": {
    examples: [
      "signing-helper verify-identity-token --audience api.example.com --allow-account 111122223333 < token",
      "signing-helper verify-identity-token --audience api.example.com --allow-principal 'arn:aws:iam::111122223333:role/ci-*' --token env:TOKEN",
    ],
  },
  completion: {
    examples: [
      "source <(signing-helper completion bash)          # in ~/.bashrc",
      "signing-helper completion zsh > \"${fpath[1]}/_signing-helper\"",
      "signing-helper completion fish > ~/.config/fish/completions/signing-helper.fish",
      "signing-helper completion powershell | Out-String | Invoke-Expression",
    ],
  },
};
