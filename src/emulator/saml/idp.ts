import { timingSafeEqual, createHash } from "node:crypto";
import type { AuditEntry } from "../types.js";
import type { ResolvedSaml, ResolvedSamlProvider } from "./config.js";
import { samlResponseXml, signSamlAssertion } from "./idp-response.js";
import { AWS_AUDIENCE, AWS_RECIPIENT } from "./verify.js";

/**
 * The emulated SAML IdP: an ADFS-like IdP-initiated sign-on. Pure request →
 * answer (the server writes it). Paths, per provider with a private key:
 *   GET  /saml-idp/<name>/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices → 302 to the login page
 *   GET  /saml-idp/<name>/adfs/ls/login?loginToRp=… → the login form (UserName, Password, AuthMethod)
 *   POST /saml-idp/<name>/adfs/ls/login?loginToRp=… → wrong password: the form again with an error text;
 *        right: a page whose form auto-posts SAMLResponse to https://signin.aws.amazon.com/saml
 * The password is never in an answer or an audit entry.
 */

export const SAML_IDP_PREFIX = "/saml-idp/";
const SIGN_ON = "/adfs/ls/IdpInitiatedSignOn.aspx";
const LOGIN = "/adfs/ls/login";
/** The text ADFS shows after a wrong user name or password. */
export const WRONG_PASSWORD_TEXT = "Incorrect user ID or password. Type the correct user ID and password, and try again.";

/** An answer of the IdP. @internal */
export interface IdpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  audit: Partial<AuditEntry> & { operation: string; outcome: "success" | "failure" };
}

/** The sign-on URL path of a provider's IdP (append to the endpoint). @internal */
export function samlIdpPath(providerName: string): string {
  return `${SAML_IDP_PREFIX}${encodeURIComponent(providerName)}${SIGN_ON}?loginToRp=${encodeURIComponent(AWS_AUDIENCE)}`;
}

/** The Issuer the emulated IdP writes: the provider's entityId, else an ADFS-style one. @internal */
export function idpIssuer(endpoint: string, p: ResolvedSamlProvider): string {
  return p.entityId ?? `${endpoint}${SAML_IDP_PREFIX}${encodeURIComponent(p.name)}/adfs/services/trust`;
}

function esc(v: string): string {
  return v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>\n${body}\n</body></html>\n`;
}

function loginForm(action: string, user: string, error?: string): string {
  return page("Sign In", [
    `<div id="loginArea"><form method="post" id="loginForm" autocomplete="off" novalidate="novalidate" action="${esc(action)}">`,
    error ? `<div id="error" class="fieldMargin error smallText"><span id="errorText" for="">${esc(error)}</span></div>` : "",
    `<input id="userNameInput" name="UserName" type="email" value="${esc(user)}" placeholder="someone@example.com" autocomplete="off"/>`,
    `<input id="passwordInput" name="Password" type="password" placeholder="Password" autocomplete="off"/>`,
    `<input id="kmsiInput" type="checkbox" name="Kmsi" value="true"/>`,
    `<input id="optionForms" type="hidden" name="AuthMethod" value="FormsAuthentication"/>`,
    `<span id="submitButton" class="submit" tabindex="4" role="button">Sign in</span>`,
    `</form></div>`,
  ].join("\n"));
}

function autoPost(samlResponse: string): string {
  return page("Working...", [
    `<form method="POST" name="hiddenform" action="${AWS_RECIPIENT}">`,
    `<input type="hidden" name="SAMLResponse" value="${esc(samlResponse)}" />`,
    `<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript>`,
    `</form><script language="javascript">window.setTimeout('document.forms[0].submit()', 0);</script>`,
  ].join("\n"));
}

function same(a: string, b: string): boolean {
  const x = createHash("sha256").update(a, "utf8").digest();
  const y = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(x, y);
}

/** Whether a path belongs to the IdP. @internal */
export function isSamlIdpPath(path: string): boolean {
  return path.startsWith(SAML_IDP_PREFIX);
}

/** Answers one IdP request. @internal */
export function answerIdp(
  saml: ResolvedSaml,
  req: { method: string; path: string; rawQuery: string; body: Buffer; contentType: string },
  ctx: { endpoint: string; now: number },
): IdpAnswer {
  const html = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
  const fail = (status: number, text: string, reason: string): IdpAnswer => ({
    status, headers: html, body: page("Error", `<div id="errorArea"><span id="errorText">${esc(text)}</span></div>`),
    audit: { operation: "SamlSignIn", outcome: "failure", errorCode: "IdpError", reason },
  });
  const rest = req.path.slice(SAML_IDP_PREFIX.length);
  const slash = rest.indexOf("/");
  let name: string;
  try {
    name = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  } catch {
    return fail(404, "Not found.", "bad provider name in path");
  }
  const sub = slash < 0 ? "" : rest.slice(slash);
  const provider = saml.providers.find((p) => p.name === name && p.privateKeyPem !== undefined);
  if (!provider) return fail(404, "Not found.", `no IdP for provider ${name}`);
  const query = new URLSearchParams(req.rawQuery);
  const rp = query.get("loginToRp");
  if (rp !== AWS_AUDIENCE) return fail(400, "MSIS7012: An error occurred while processing the request.", `unknown relying party ${rp ?? "(none)"}`);
  const base = `${SAML_IDP_PREFIX}${encodeURIComponent(provider.name)}`;
  const loginAction = `${base}${LOGIN}?loginToRp=${encodeURIComponent(rp)}`;
  if (sub === SIGN_ON && req.method === "GET") {
    return { status: 302, headers: { location: loginAction, "cache-control": "no-store" }, body: "", audit: { operation: "SamlSignIn", outcome: "success", reason: "redirect to the login page" } };
  }
  if (sub !== LOGIN) return fail(404, "Not found.", `no IdP page ${sub}`);
  if (req.method === "GET") {
    return { status: 200, headers: html, body: loginForm(loginAction, ""), audit: { operation: "SamlSignIn", outcome: "success", reason: "login form" } };
  }
  if (req.method !== "POST") return fail(405, "Method not allowed.", `${req.method} on the login page`);
  const form = new URLSearchParams(req.body.toString("utf8"));
  const userName = form.get("UserName") ?? "";
  const password = form.get("Password") ?? "";
  const user = saml.users.find((u) => u.providerArn === provider.arn && u.name.toLowerCase() === userName.toLowerCase());
  // Compare a password even for an unknown user, so both take the same time.
  const ok = same(password, user?.password ?? "\u0000no user") && user !== undefined;
  if (!ok) {
    return {
      status: 200, headers: html, body: loginForm(loginAction, userName, WRONG_PASSWORD_TEXT),
      audit: { operation: "SamlSignIn", outcome: "failure", errorCode: "InvalidCredentials", reason: `wrong user name or password for ${JSON.stringify(userName.slice(0, 128))}` },
    };
  }
  const xml = samlResponseXml({
    issuer: idpIssuer(ctx.endpoint, provider),
    nameId: user.name,
    roleSessionName: user.roleSessionName,
    rolePairs: user.roles.map((roleArn) => ({ roleArn, principalArn: user.providerArn })),
    ...(user.sessionDuration !== undefined ? { sessionDuration: user.sessionDuration } : {}),
    now: ctx.now,
  });
  const signed = signSamlAssertion(xml, provider.privateKeyPem!, provider.certificatePem);
  return {
    status: 200, headers: html, body: autoPost(Buffer.from(signed, "utf8").toString("base64")),
    audit: { operation: "SamlSignIn", outcome: "success", principal: provider.arn, reason: `signed in ${user.name}` },
  };
}
