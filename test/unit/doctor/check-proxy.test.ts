import { describe, expect, it } from "vitest";
import { checkProxy, noProxyMatch, proxyFor } from "../../../src/doctor/check-proxy.js";
import type { DoctorFacts } from "../../../src/doctor/types.js";

const AWS = "https://rolesanywhere.us-east-1.amazonaws.com";

function facts(env: Record<string, string>): DoctorFacts {
  return { now: 0, settings: {}, env };
}

describe("doctor proxy check", () => {
  it("matches NO_PROXY entries the way the HTTP client does", () => {
    const host = "rolesanywhere.us-east-1.amazonaws.com";
    expect(noProxyMatch("*", host, 443)).toBe("*");
    expect(noProxyMatch("amazonaws.com", host, 443)).toBe("amazonaws.com");
    expect(noProxyMatch(".amazonaws.com", host, 443)).toBe(".amazonaws.com");
    expect(noProxyMatch("*.amazonaws.com", host, 443)).toBe("*.amazonaws.com");
    expect(noProxyMatch("localhost, amazonaws.com:443", host, 443)).toBe("amazonaws.com:443");
    expect(noProxyMatch("amazonaws.com:8443", host, 443)).toBeUndefined();
    expect(noProxyMatch("zonaws.com", host, 443)).toBeUndefined();
    expect(noProxyMatch("example.com localhost", host, 443)).toBeUndefined();
    expect(noProxyMatch("127.0.0.1", "127.0.0.1", 8080)).toBe("127.0.0.1");
  });

  it("uses HTTPS_PROXY for https, falls back to HTTP_PROXY, and prefers the lower-case names", () => {
    const url = new URL(AWS);
    expect(proxyFor(url, { HTTPS_PROXY: "http://p:3128" })).toMatchObject({ variable: "HTTPS_PROXY", proxy: "http://p:3128" });
    expect(proxyFor(url, { HTTP_PROXY: "http://p:3128" })).toMatchObject({ variable: "HTTP_PROXY" });
    expect(proxyFor(url, { https_proxy: "http://a:1", HTTPS_PROXY: "http://b:2" })).toMatchObject({ variable: "https_proxy" });
    expect(proxyFor(new URL("http://127.0.0.1:9000"), { HTTPS_PROXY: "http://p:3128" }).variable).toBeUndefined();
  });

  it("says which variable is in effect and hides a proxy password", () => {
    const [line] = checkProxy(facts({ HTTPS_PROXY: "http://user:secret@proxy.corp:3128" }), AWS);
    expect(line).toEqual({
      status: "pass",
      check: "proxy",
      detail: "rolesanywhere.us-east-1.amazonaws.com is reached through HTTPS_PROXY=http://[redacted]@proxy.corp:3128",
    });
    expect(JSON.stringify(checkProxy(facts({ HTTPS_PROXY: "http://user:secret@proxy.corp:3128" }), AWS))).not.toContain("secret");
  });

  it("says when NO_PROXY excludes the endpoint host", () => {
    const [line] = checkProxy(facts({ HTTPS_PROXY: "http://proxy:3128", NO_PROXY: "localhost,.amazonaws.com" }), AWS);
    expect(line!.detail).toBe("HTTPS_PROXY set, but NO_PROXY entry '.amazonaws.com' excludes rolesanywhere.us-east-1.amazonaws.com: direct connection");
  });

  it("reports a direct connection when no proxy is set", () => {
    expect(checkProxy(facts({}), AWS)[0]!.detail).toBe("none set: direct connection to rolesanywhere.us-east-1.amazonaws.com");
  });

  it("says a loopback endpoint goes direct whatever the proxy settings", () => {
    const lines = checkProxy(facts({ HTTP_PROXY: "http://proxy:3128" }), "http://127.0.0.1:9911");
    expect(lines).toEqual([{ status: "pass", check: "proxy", detail: "HTTP_PROXY set, but 127.0.0.1:9911 is loopback, which never goes through a proxy: direct connection" }]);
    expect(proxyFor(new URL("https://localhost:8443"), { HTTPS_PROXY: "http://p:3128" })).toMatchObject({ loopback: true });
    expect(proxyFor(new URL("https://localhost:8443"), { HTTPS_PROXY: "http://p:3128" }).variable).toBeUndefined();
  });

  it("fails a proxy variable that is not a URL", () => {
    const [line] = checkProxy(facts({ HTTPS_PROXY: "http://[bad" }), AWS);
    expect(line!.status).toBe("fail");
    expect(line!.detail).toBe("HTTPS_PROXY is not a proxy URL: 'http://[bad'");
  });
});
