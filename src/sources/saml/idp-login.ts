import { RolesAnywhereError } from "../../errors.js";
import type { Secret } from "../../secret.js";

/**
 * Signs in at an IdP-initiated sign-on URL (ADFS's
 * `/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices` and
 * look-alikes) the way a browser does with forms authentication: follows
 * redirects with cookies, fills the page's one form that has a password
 * field, posts it, and takes SAMLResponse from the auto-submitting form that
 * comes back. A page that asks again for the password (wrong password), one
 * that asks for something else (MFA) or has no form at all is one clear
 * error. The password is only ever in the POST body.
 */

/** What a sign-in needs. @public */
export interface SamlIdpLogin {
  url: string;
  username: string;
  password: Secret<string>;
  /** The fetch to use (tests, proxies); default the global one. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  debug?: (line: string) => void;
}

const MAX_STEPS = 10;

/** A form of a page: action, method and its inputs (name → value, type). @internal */
export interface HtmlForm {
  action: string;
  method: string;
  inputs: Array<{ name: string; value: string; type: string }>;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e: string) => {
    const l = e.toLowerCase();
    if (l === "amp") return "&";
    if (l === "lt") return "<";
    if (l === "gt") return ">";
    if (l === "quot") return '"';
    if (l === "apos" || l === "#39") return "'";
    if (l.startsWith("#x")) return String.fromCodePoint(parseInt(l.slice(2), 16));
    if (l.startsWith("#")) return String.fromCodePoint(parseInt(l.slice(1), 10));
    return m;
  });
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? "") : undefined;
}

/** The forms of an HTML page (enough HTML for IdP sign-on pages). @internal */
export function htmlForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const open = `<form ${m[1]}>`;
    const inputs: HtmlForm["inputs"] = [];
    const inRe = /<input\b[^>]*>/gi;
    for (let i = inRe.exec(m[2]!); i; i = inRe.exec(m[2]!)) {
      const name = attr(i[0], "name");
      if (name !== undefined) inputs.push({ name, value: attr(i[0], "value") ?? "", type: (attr(i[0], "type") ?? "text").toLowerCase() });
    }
    forms.push({ action: attr(open, "action") ?? "", method: (attr(open, "method") ?? "get").toLowerCase(), inputs });
  }
  return forms;
}

function idpError(message: string, hint: string): RolesAnywhereError {
  return new RolesAnywhereError("SAML_IDP", message, { hint });
}

/** Signs in and returns the base64 SAMLResponse. @throws RolesAnywhereError (code SAML_IDP). @public */
export async function samlSignIn(login: SamlIdpLogin): Promise<string> {
  const doFetch = login.fetch ?? fetch;
  const cookies = new Map<string, string>();
  const host = (() => {
    try {
      return new URL(login.url);
    } catch {
      throw idpError(`--saml-idp-url is not a URL: ${JSON.stringify(login.url.slice(0, 200))}`, "give the IdP-initiated sign-on URL, e.g. https://adfs.example.com/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices");
    }
  })();
  let url = host.toString();
  let method = "GET";
  let body: string | undefined;
  let posted = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    const headers: Record<string, string> = { accept: "text/html,application/xhtml+xml", "user-agent": "signing-helper (SAML sign-on)" };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    login.debug?.(`SAML IdP: ${method} ${url.split("?")[0]}`);
    let res: Response;
    try {
      res = await doFetch(url, { method, headers, redirect: "manual", ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(login.timeoutMs ?? 30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw idpError(`cannot reach the SAML IdP at ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, "check --saml-idp-url and the network");
    }
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      if (eq > 0) cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
      url = new URL(res.headers.get("location")!, url).toString();
      if (res.status !== 307 && res.status !== 308) { method = "GET"; body = undefined; }
      await res.arrayBuffer();
      continue;
    }
    const html = await res.text();
    if (res.status === 401 && /negotiate|ntlm/i.test(res.headers.get("www-authenticate") ?? "")) {
      throw idpError("the SAML IdP asks for Windows integrated sign-on (Kerberos/NTLM), which is not supported", "use the IdP's forms sign-in URL (for ADFS, enable forms authentication for the intranet or use the extranet URL)");
    }
    if (res.status >= 400) throw idpError(`the SAML IdP answered HTTP ${res.status} at ${new URL(url).pathname}`, "check --saml-idp-url");
    const forms = htmlForms(html);
    const saml = forms.find((f) => f.inputs.some((i) => i.name === "SAMLResponse"));
    if (saml) return saml.inputs.find((i) => i.name === "SAMLResponse")!.value;
    const login_ = forms.find((f) => f.inputs.some((i) => i.type === "password"));
    if (login_ && posted) {
      throw idpError(`the SAML IdP refused the user name or password of ${login.username}`, "check --saml-username and the password");
    }
    if (!login_) {
      if (posted && forms.length > 0) {
        throw idpError("the SAML IdP asks for another sign-in step (multi-factor authentication?), which is not supported", "use an account or relying party without MFA for this tool, or get the assertion another way and pass --saml-assertion");
      }
      throw idpError(`the SAML IdP page at ${new URL(url).pathname} has no sign-in form and no SAMLResponse`, "check --saml-idp-url: it must be the IdP-initiated sign-on URL of the AWS relying party");
    }
    const fields = new URLSearchParams();
    const userField = login_.inputs.find((i) => i.type === "email" || (i.type === "text" && /user|login|email|name/i.test(i.name)));
    const passField = login_.inputs.find((i) => i.type === "password")!;
    for (const i of login_.inputs) {
      if (i === userField) fields.append(i.name, login.username);
      else if (i === passField) fields.append(i.name, login.password.reveal());
      else if (i.type === "checkbox" || i.type === "submit" || i.type === "button") continue;
      else fields.append(i.name, i.value);
    }
    if (!userField) throw idpError("the SAML IdP's sign-in form has no user name field", "this IdP's sign-in page is not supported");
    url = new URL(login_.action || url, url).toString();
    method = login_.method === "post" ? "POST" : "GET";
    body = method === "POST" ? fields.toString() : undefined;
    if (method !== "POST") throw idpError("the SAML IdP's sign-in form is not a POST form", "this IdP's sign-in page is not supported");
    posted = true;
  }
  throw idpError(`the SAML IdP redirected more than ${MAX_STEPS} times`, "check --saml-idp-url");
}
