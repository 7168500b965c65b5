import type { IdentityInput, IdentitySpec, Pkcs11Input } from "../identity/types.js";
import type { ResolvedSessionConfig } from "../session/config.js";
import { createCredentialFetcher, type CredentialFetcherOptions } from "./fetcher.js";
import { certificateFingerprint } from "./fingerprint.js";
import type { BaseCredentialSource, SourceDescription } from "./source.js";

/**
 * The X.509 base source: {@link createCredentialFetcher} as `fetch`, and as
 * description the certificate fingerprint (of the certificate and
 * intermediates inputs, read synchronously: no parser beyond PEM armour) with
 * the ARNs, duration, session name and endpoint. Inputs that cannot be read
 * that way (a callback, stdin, a missing file) give no description.
 * @public
 */
export function x509Source(spec: IdentitySpec, config: ResolvedSessionConfig, opts: CredentialFetcherOptions = {}): BaseCredentialSource {
  const env = opts.io?.env ?? process.env;
  return {
    fetch: createCredentialFetcher(spec, config, opts),
    describe: () => {
      const cert = inputBytes(spec.certificate, env);
      const chain = inputBytes(spec.intermediates, env);
      if (cert === undefined || (spec.intermediates !== undefined && chain === undefined)) return undefined;
      return x509Description({
        certFingerprintSha256: certificateFingerprint(cert, chain),
        trustAnchorArn: config.trustAnchorArn,
        profileArn: config.profileArn,
        roleArn: config.roleArn,
        durationSeconds: config.durationSeconds,
        ...(config.roleSessionName !== undefined ? { roleSessionName: config.roleSessionName } : {}),
        endpoint: config.endpoint,
      });
    },
  };
}

/** Everything that makes two X.509 CreateSession calls interchangeable. @public */
export interface X509DescriptionFields {
  /** SHA-256 of the certificates (see certificateFingerprint), hex. */
  certFingerprintSha256: string;
  trustAnchorArn: string;
  profileArn: string;
  roleArn: string;
  durationSeconds: number;
  roleSessionName?: string;
  /** The CreateSession endpoint URL actually used. */
  endpoint: string;
}

/** The X.509 source's description: a versioned array in a fixed order (no two field sets collide). @public */
export function x509Description(f: X509DescriptionFields): SourceDescription {
  return [
    "v1",
    f.certFingerprintSha256.toLowerCase().replace(/:/g, ""),
    f.trustAnchorArn,
    f.profileArn,
    f.roleArn,
    f.durationSeconds,
    f.roleSessionName ?? null,
    f.endpoint,
  ];
}

/**
 * The bytes of an input, or undefined when they cannot be had without the
 * identity loader. Synchronous: one small local file on the start-up path.
 */
function inputBytes(input: IdentityInput | Pkcs11Input | undefined, env: NodeJS.ProcessEnv): Uint8Array | undefined {
  if (input === undefined) return undefined;
  if (typeof input === "string") return Buffer.from(input);
  if (input instanceof Uint8Array) return input;
  if (typeof input === "function" || "stdin" in input) return undefined;
  // A certificate on a token: described by its URI and module (no PIN), so a cache hit loads no PKCS#11 code.
  if ("pkcs11" in input) return Buffer.from(`pkcs11\0${input.module ?? ""}\0${input.pkcs11.replace(/([?&])pin-value=[^&]*/gi, "$1")}`);
  if ("path" in input) {
    try {
      return process.getBuiltinModule("node:fs").readFileSync(input.path);
    } catch {
      return undefined;
    }
  }
  const value = env[input.env];
  return value ? Buffer.from(value) : undefined;
}
