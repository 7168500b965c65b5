import type { CommandModule } from "../context.js";
import { samlFlags, samlResponseFromArgs } from "../saml-options.js";
import type { FlagSpec } from "../args.js";

/*
 * `signing-helper saml-roles` prints the role pairs a SAML assertion offers,
 * one `<role ARN>,<provider ARN>` a line (the Role attribute's form);
 * `signing-helper saml-assertion` signs in at the IdP and prints the base64
 * SAMLResponse, for other tools such as `aws sts assume-role-with-saml`.
 */

const common: FlagSpec[] = samlFlags.filter((f) => f.name !== "principal-arn");
const debug: FlagSpec = { name: "debug", type: "boolean", describe: "Print the IdP requests (URLs without query strings; never the password)" };

async function responseText(args: Parameters<CommandModule["run"]>[0], ctx: Parameters<CommandModule["run"]>[1]): Promise<string> {
  const response = await samlResponseFromArgs(args, ctx);
  if (response.kind === "assertion") return response.read();
  const { samlSignIn } = await import("../../sources/saml/idp-login.js");
  return samlSignIn({ url: response.url, username: response.username, password: response.password(), ...(ctx.debug ? { debug: (l: string) => ctx.log(l) } : {}) });
}

export const samlRolesCommand: CommandModule = {
  name: "saml-roles",
  describe: "Print the AWS roles a SAML assertion offers, one 'role ARN,provider ARN' a line",
  usage: "signing-helper saml-roles (--saml-assertion FILE|-|env:NAME | --saml-idp-url URL --saml-username NAME [--saml-password env:NAME])",
  flags: [...common, debug],
  async run(args, ctx) {
    const { readSamlAssertion } = await import("../../sources/saml/assertion.js");
    const info = readSamlAssertion(await responseText(args, ctx));
    ctx.writeOut(info.roles.map((p) => `${p.roleArn},${p.principalArn}\n`).join(""));
  },
};

export const samlAssertionCommand: CommandModule = {
  name: "saml-assertion",
  describe: "Sign in at a SAML IdP and print the base64 SAMLResponse",
  usage: "signing-helper saml-assertion --saml-idp-url URL --saml-username NAME [--saml-password env:NAME]",
  flags: [...common.filter((f) => f.name !== "saml-assertion"), debug],
  async run(args, ctx) {
    ctx.writeOut((await responseText(args, ctx)) + "\n");
  },
};
