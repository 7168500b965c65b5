/**
 * The SAML base source: a SAMLResponse (given, or from signing in at the IdP
 * on every fetch) → STS AssumeRoleWithSAML. Composes with the AssumeRole hops
 * like the X.509 source (its credentials are a role session).
 */
import { ConfigError } from "../errors.js";
import type { Secret } from "../secret.js";
import type { StsCallConfig } from "../sources/sts/client.js";
import type { Clock } from "../clock.js";
import type { BaseCredentialSource } from "./source.js";

/** Where the SAML response comes from. @public */
export type SamlResponseSource =
  | { kind: "assertion"; /** Returns the base64 SAMLResponse or its XML. */ read: () => string; name: string }
  | { kind: "idp"; url: string; username: string; /** Read again on every sign-in. */ password: () => Secret<string> };

/** Options of {@link samlSource}. @public */
export interface SamlSourceInit {
  response: SamlResponseSource;
  roleArn?: string;
  principalArn?: string;
  /** Else the assertion's SessionDuration, else STS's default (3600). */
  durationSeconds?: number;
  sts: StsCallConfig;
  clock?: Clock;
  debug?: (line: string) => void;
  /** The flag names for messages. */
  flags?: { role: string; principal: string };
  fetch?: typeof fetch;
}

/** The SAML base source. @public */
export function samlSource(init: SamlSourceInit): BaseCredentialSource {
  return {
    describe: () => [
      "saml-v1",
      init.response.kind === "idp" ? `idp:${init.response.url}` : `assertion:${init.response.name}`,
      init.response.kind === "idp" ? init.response.username : null,
      init.roleArn ?? null,
      init.principalArn ?? null,
      init.durationSeconds ?? null,
      init.sts.endpoint.href,
    ],
    fetch: async () => {
      const [{ readSamlAssertion, chooseSamlRole }, { assumeRoleWithSaml }] = await Promise.all([
        import("../sources/saml/assertion.js"),
        import("../sources/saml/assume-role-with-saml.js"),
      ]);
      let text: string;
      if (init.response.kind === "idp") {
        const { samlSignIn } = await import("../sources/saml/idp-login.js");
        text = await samlSignIn({
          url: init.response.url, username: init.response.username, password: init.response.password(),
          ...(init.debug ? { debug: init.debug } : {}), ...(init.fetch ? { fetch: init.fetch } : {}),
        });
      } else {
        text = init.response.read();
      }
      const info = readSamlAssertion(text, init.response.kind === "idp" ? "the IdP's SAML response" : init.response.name);
      const want: { roleArn?: string; principalArn?: string } = {};
      if (init.roleArn !== undefined) want.roleArn = init.roleArn;
      if (init.principalArn !== undefined) want.principalArn = init.principalArn;
      const pair = chooseSamlRole(info, want, init.flags);
      if (init.response.kind === "assertion" && info.notOnOrAfter !== undefined && info.notOnOrAfter <= (init.clock?.now() ?? Date.now())) {
        throw new ConfigError(`${init.response.name}: the SAML assertion expired at ${new Date(info.notOnOrAfter).toISOString()}, and an assertion cannot be renewed`, {
          hint: "sign in at the IdP again for a new assertion, or use --saml-idp-url so it signs in on every refresh",
        });
      }
      return assumeRoleWithSaml(init.sts, pair, info.base64, init.durationSeconds ?? info.sessionDuration, {
        ...(init.clock ? { clock: init.clock } : {}), ...(init.debug ? { debug: init.debug } : {}),
      });
    },
  };
}
