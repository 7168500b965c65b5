import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Credentials } from "./types.js";
import type { IdentityIo, IdentitySpec, LoadedIdentity } from "../identity/types.js";
import type { ResolvedSessionConfig } from "../session/config.js";

/** Options of createCredentialFetcher. @public */
export interface CredentialFetcherOptions {
  io?: IdentityIo;
  clock?: Clock;
  /** --debug lines (canonical request, string to sign, headers; no secrets). */
  debug?: (line: string) => void;
  /** Warnings (certificate expiring soon). */
  warn?: (line: string) => void;
  /** undici dispatcher override (tests, custom proxies). */
  dispatcher?: unknown;
  /** Called with the identity used for each CreateSession (e.g. to log its serial). */
  onIdentity?: (identity: LoadedIdentity) => void;
}

/**
 * Returns a function that performs one CreateSession: it loads the identity
 * again (so rotated certificate and key files are used), signs and sends the
 * request. This is what the refresher, the cache, `serve`, `update` and
 * `fromRolesAnywhere()` call. Heavy modules load on first use.
 * @public
 */
export function createCredentialFetcher(
  spec: IdentitySpec,
  config: ResolvedSessionConfig,
  opts: CredentialFetcherOptions = {},
): () => Promise<Credentials> {
  const clock = opts.clock ?? systemClock;
  let warnedSerial: string | undefined;
  let warnedCapped = false;
  return async () => {
    // identity/load.js (through fetch-steps.js), not the identity index: the
    // index also loads the terminal prompt (node:tty) and more that a fetch does not need.
    const { loadIdentity, createIdentitySigner, createSession, certificateExpiryLine, cappedDurationNotice, withMissingIssuerHint } = await import("./fetch-steps.js");
    const identity = await loadIdentity(spec, opts.io);
    opts.onIdentity?.(identity);
    if (opts.warn && warnedSerial !== identity.serialDecimal) {
      const line = certificateExpiryLine(identity.serialDecimal, new Date(identity.certificate.validTo).getTime(), clock.now());
      if (line) {
        warnedSerial = identity.serialDecimal;
        opts.warn(line);
      }
    }
    const signer = createIdentitySigner(identity);
    let creds: Credentials;
    try {
      creds = await createSession(
        config,
        { certificateDer: identity.certificateDer, chainDer: identity.chainDer, serialDecimal: identity.serialDecimal, signer },
        {
          clock,
          ...(opts.debug ? { debug: opts.debug } : {}),
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher as never } : {}),
        },
      );
    } catch (err) {
      const { X509Certificate } = await import("node:crypto");
      throw withMissingIssuerHint(err, identity.certificate, identity.chainDer.map((d) => new X509Certificate(d)));
    }
    const capped = cappedDurationNotice(config.durationSeconds, creds.expiration.getTime(), clock.now());
    if (capped && opts.warn && !warnedCapped) {
      warnedCapped = true;
      opts.warn(capped);
    }
    return creds;
  };
}
