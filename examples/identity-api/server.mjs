// A small API outside AWS that lets in callers holding an IAM role, without
// ever seeing their keys: each request carries an identity token
// (`signing-helper identity-token --audience <AUDIENCE>`), and the service has
// STS say who signed it. node:http only, no framework.
//
//   AUDIENCE=api.example.com ALLOW_ACCOUNTS=111122223333 node examples/identity-api/server.mjs
//   curl -H "Authorization: Bearer $(signing-helper identity-token --audience api.example.com …)" http://127.0.0.1:8080/whoami
//
// Settings (environment): AUDIENCE (required), ALLOW_ACCOUNTS and ALLOW_PRINCIPALS
// (comma-separated; ARN patterns may use *), STS_ENDPOINTS (comma-separated extra
// STS endpoints, e.g. a local emulator), HOST (127.0.0.1), PORT (8080; 0 picks one).
import { createServer } from "node:http";
import { createMemoryReplayStore, IdentityTokenError, verifyIdentityToken } from "rolesanywhere-signing-helper/verifier";

const list = (name) => (process.env[name] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const audience = process.env.AUDIENCE;
if (!audience) {
  process.stderr.write("identity-api: set AUDIENCE to the name callers put in their tokens\n");
  process.exit(2);
}
const options = {
  audience,
  stsEndpoints: list("STS_ENDPOINTS"),
  ...(process.env.ALLOW_ACCOUNTS ? { allowAccounts: list("ALLOW_ACCOUNTS") } : {}),
  ...(process.env.ALLOW_PRINCIPALS ? { allowPrincipals: list("ALLOW_PRINCIPALS") } : {}),
  // Each token is accepted once: a token copied from a log or a proxy is worth nothing.
  replayStore: createMemoryReplayStore(),
};

// STS could not be asked: the service's problem, not the caller's.
const UNAVAILABLE = new Set(["STS_UNREACHABLE", "STS_TIMEOUT", "STS_BAD_ANSWER"]);

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The caller, or an answer already sent. */
async function authenticate(req, res) {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
  if (!m) {
    send(res, 401, { error: "TOKEN_MISSING", message: "send Authorization: Bearer <identity token>" }, { "WWW-Authenticate": "Bearer" });
    return undefined;
  }
  try {
    return await verifyIdentityToken(m[1], options);
  } catch (err) {
    if (!(err instanceof IdentityTokenError)) throw err;
    // Log the reason, never the token.
    process.stderr.write(`identity-api: refused ${req.method} ${req.url}: ${err.code}: ${err.message}\n`);
    const status = UNAVAILABLE.has(err.code) ? 503 : 401;
    send(res, status, { error: err.code, message: err.message }, status === 401 ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : {});
    return undefined;
  }
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/healthz") return send(res, 200, { ok: true });
    if (req.method === "GET" && req.url === "/whoami") {
      const who = await authenticate(req, res);
      if (who) send(res, 200, { principalArn: who.principalArn, arn: who.arn, account: who.account });
      return;
    }
    send(res, 404, { error: "NOT_FOUND" });
  } catch (err) {
    process.stderr.write(`identity-api: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!res.headersSent) send(res, 500, { error: "INTERNAL" });
  }
});

server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? "127.0.0.1", () => {
  const { address, port } = server.address();
  process.stdout.write(JSON.stringify({ event: "listening", url: `http://${address.includes(":") ? `[${address}]` : address}:${port}` }) + "\n");
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => server.close());
