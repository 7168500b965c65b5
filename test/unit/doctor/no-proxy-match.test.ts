import { EnvHttpProxyAgent, type Dispatcher } from "undici";
import { describe, expect, it } from "vitest";
import { noProxyMatch } from "../../../src/doctor/check-proxy.js";
import { proxySettingFor } from "../../../src/session/transport.js";

interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/**
 * The agent undici's EnvHttpProxyAgent picks for `url`, found by stubbing the
 * dispatch of its three inner agents (no socket is opened). CreateSession
 * hands undici every non-loopback request for which a proxy is set
 * (proxySettingFor) and lets it apply NO_PROXY; `doctor` explains the outcome
 * with noProxyMatch, which must agree with undici's choice.
 */
function undiciChoice(url: string, s: ProxySettings): "direct" | "httpProxy" | "httpsProxy" {
  const agent = new EnvHttpProxyAgent({ httpProxy: s.httpProxy, httpsProxy: s.httpsProxy, noProxy: s.noProxy });
  const inner = agent as unknown as Record<symbol, Dispatcher>;
  const symbol = (name: string) => Object.getOwnPropertySymbols(agent).find((x) => x.description === name)!;
  const noProxy = inner[symbol("no proxy agent")]!;
  const httpProxy = inner[symbol("http proxy agent")]!;
  const httpsProxy = inner[symbol("https proxy agent")]!;
  let picked: Dispatcher | undefined;
  for (const a of new Set([noProxy, httpProxy, httpsProxy])) {
    a.dispatch = function (this: Dispatcher) {
      picked = this;
      return true;
    };
  }
  const u = new URL(url);
  agent.dispatch({ origin: u.origin, path: "/", method: "GET" }, {} as Dispatcher.DispatchHandler);
  void agent.close();
  if (picked === noProxy) return "direct";
  if (picked === httpsProxy && s.httpsProxy !== "") return "httpsProxy";
  return "httpProxy";
}

const P = "http://proxy.example:3128";

const cases: Array<{ url: string; s: Partial<ProxySettings>; want: "direct" | "httpProxy" | "httpsProxy"; excludedBy?: string }> = [
  // which variable
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: {}, want: "direct" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P }, want: "httpsProxy" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpProxy: P }, want: "httpProxy" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpProxy: P, httpsProxy: "http://other:1" }, want: "httpsProxy" },
  { url: "http://127.0.0.1:8080", s: { httpsProxy: P }, want: "direct" },
  { url: "http://127.0.0.1:8080", s: { httpProxy: P }, want: "httpProxy" },
  // NO_PROXY forms
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "*" }, want: "direct", excludedBy: "*" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "amazonaws.com" }, want: "direct", excludedBy: "amazonaws.com" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: ".amazonaws.com" }, want: "direct", excludedBy: ".amazonaws.com" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "*.amazonaws.com" }, want: "direct", excludedBy: "*.amazonaws.com" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "AMAZONAWS.COM" }, want: "direct", excludedBy: "AMAZONAWS.COM" },
  { url: "https://ROLESANYWHERE.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "rolesanywhere.us-east-1.amazonaws.com" }, want: "direct", excludedBy: "rolesanywhere.us-east-1.amazonaws.com" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "zonaws.com" }, want: "httpsProxy" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "aws.com,example.org" }, want: "httpsProxy" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "localhost, amazonaws.com:443" }, want: "direct", excludedBy: "amazonaws.com:443" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "localhost\tamazonaws.com" }, want: "direct", excludedBy: "amazonaws.com" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "amazonaws.com:8443" }, want: "httpsProxy" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com:8443", s: { httpsProxy: P, noProxy: "amazonaws.com:8443" }, want: "direct", excludedBy: "amazonaws.com:8443" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: "foo,*" }, want: "httpsProxy" },
  { url: "https://rolesanywhere.us-east-1.amazonaws.com", s: { httpsProxy: P, noProxy: " , ," }, want: "httpsProxy" },
  // IP addresses: compared as text; IPv6 with brackets
  { url: "http://127.0.0.1:9000", s: { httpProxy: P, noProxy: "127.0.0.1" }, want: "direct", excludedBy: "127.0.0.1" },
  { url: "http://127.0.0.1:9000", s: { httpProxy: P, noProxy: "127.0.0.1:9000" }, want: "direct", excludedBy: "127.0.0.1:9000" },
  { url: "http://127.0.0.1:9000", s: { httpProxy: P, noProxy: "127.0.0.1:9001" }, want: "httpProxy" },
  { url: "http://127.0.0.1:9000", s: { httpProxy: P, noProxy: ".0.0.1" }, want: "direct", excludedBy: ".0.0.1" },
  { url: "http://127.0.0.1:9000", s: { httpProxy: P, noProxy: "127.0.0.0/8" }, want: "httpProxy" },
  { url: "http://localhost:9000", s: { httpProxy: P, noProxy: "127.0.0.1" }, want: "httpProxy" },
  { url: "http://[::1]:9000", s: { httpProxy: P, noProxy: "[::1]" }, want: "direct", excludedBy: "[::1]" },
  { url: "http://[::1]:9000", s: { httpProxy: P, noProxy: "[::1]:9000" }, want: "direct", excludedBy: "[::1]:9000" },
  { url: "http://[::1]:9000", s: { httpProxy: P, noProxy: "::1" }, want: "httpProxy" },
  { url: "http://[::1]", s: { httpProxy: P, noProxy: "[::1]:80" }, want: "direct", excludedBy: "[::1]:80" },
];

describe("doctor's NO_PROXY explanation agrees with undici's EnvHttpProxyAgent", () => {
  for (const c of cases) {
    const s: ProxySettings = { httpProxy: "", httpsProxy: "", noProxy: "", ...c.s };
    it(`${c.url} with ${JSON.stringify(c.s)} → ${c.want}`, () => {
      const u = new URL(c.url);
      const port = Number.parseInt(u.port, 10) || (u.protocol === "https:" ? 443 : 80);
      expect(noProxyMatch(s.noProxy, u.host.replace(/:\d*$/, ""), port)).toBe(c.excludedBy);
      expect(undiciChoice(c.url, s)).toBe(c.want);
    });
  }
});

describe("proxySettingFor: which requests CreateSession hands to undici", () => {
  const both = { httpProxy: P, httpsProxy: "http://other:1" };
  it("https uses HTTPS_PROXY, else HTTP_PROXY; http uses HTTP_PROXY only; nothing set is direct", () => {
    const aws = new URL("https://rolesanywhere.us-east-1.amazonaws.com");
    expect(proxySettingFor(aws, both)).toBe("httpsProxy");
    expect(proxySettingFor(aws, { httpProxy: P, httpsProxy: "" })).toBe("httpProxy");
    expect(proxySettingFor(aws, { httpProxy: "", httpsProxy: "" })).toBeUndefined();
    expect(proxySettingFor(new URL("http://emulator.example:8080"), { httpProxy: "", httpsProxy: P })).toBeUndefined();
    expect(proxySettingFor(new URL("http://emulator.example:8080"), both)).toBe("httpProxy");
  });

  it("never proxies a loopback endpoint (as the official helper and Go's proxy rules)", () => {
    for (const url of ["http://127.0.0.1:9000", "https://127.8.9.10", "http://localhost:9000", "https://LOCALHOST", "http://[::1]:9000", "http://127.1:80"]) {
      expect(proxySettingFor(new URL(url), both), url).toBeUndefined();
    }
    // Not loopback names: 0.0.0.0 and a name that merely contains localhost.
    expect(proxySettingFor(new URL("http://0.0.0.0:9000"), both)).toBe("httpProxy");
    expect(proxySettingFor(new URL("https://localhost.example.com"), both)).toBe("httpsProxy");
  });
});
