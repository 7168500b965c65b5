import { EnvHttpProxyAgent, type Dispatcher } from "undici";
import { describe, expect, it } from "vitest";
import { noProxyMatch, proxyRoute, type ProxySettings } from "../../../src/session/proxy-for.js";

/**
 * The agent undici's EnvHttpProxyAgent picks for `url`, found by stubbing the
 * dispatch of its three inner agents (no socket is opened). This is the
 * behaviour proxy-for.ts must reproduce exactly: CreateSession sends what
 * proxyRoute calls direct with node:http(s), the rest with undici.
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

describe("proxyRoute: the proxy decision of undici's EnvHttpProxyAgent", () => {
  for (const c of cases) {
    const s: ProxySettings = { httpProxy: "", httpsProxy: "", noProxy: "", ...c.s };
    it(`${c.url} with ${JSON.stringify(c.s)} → ${c.want}`, () => {
      const route = proxyRoute(new URL(c.url), s);
      expect(route.use ?? "direct").toBe(c.want);
      expect(route.excludedBy).toBe(c.excludedBy);
      expect(undiciChoice(c.url, s)).toBe(c.want);
    });
  }
});

describe("noProxyMatch", () => {
  it("names the entry that excludes a host, or nothing", () => {
    expect(noProxyMatch("", "example.com", 443)).toBeUndefined();
    expect(noProxyMatch("*", "example.com", 443)).toBe("*");
    expect(noProxyMatch("a.test, .example.com", "api.example.com", 443)).toBe(".example.com");
    expect(noProxyMatch("example.com:80", "example.com", 443)).toBeUndefined();
    expect(noProxyMatch("ample.com", "example.com", 443)).toBeUndefined();
  });
});
