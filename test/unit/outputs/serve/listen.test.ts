import { constants as osConstants } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, UsageError } from "../../../../src/errors.js";
import { loadHopLimitAddon, NO_NATIVE_ENV, toErrnoException } from "../../../../src/outputs/serve/native-hop-limit.js";
import {
  canEnforceHopLimit,
  checkBind,
  formatListenUrl,
  hopLimitNotice,
  isLoopback,
  listen,
  validateHopLimit,
} from "../../../../src/outputs/serve/listen.js";

describe("isLoopback", () => {
  it.each(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST", "::ffff:127.0.0.1", "::ffff:7f00:1"])(
    "treats %s as loopback",
    (host) => expect(isLoopback(host)).toBe(true),
  );
  it.each(["0.0.0.0", "::", "10.0.0.5", "192.168.1.1", "128.0.0.1", "::2", "::ffff:10.0.0.1", "fe80::1", "example.com", "", "127.0.0.1.nip.io"])(
    "treats %j as not loopback",
    (host) => expect(isLoopback(host)).toBe(false),
  );
});

describe("checkBind", () => {
  it("returns loopback mode for loopback addresses, token or not", () => {
    expect(checkBind("127.0.0.1", false)).toBe("loopback");
    expect(checkBind("::1", false)).toBe("loopback");
    expect(checkBind("::1", true)).toBe("loopback");
  });

  it("refuses a non-loopback bind without a token, with a hint naming the token flags", () => {
    let err: unknown;
    try {
      checkBind("0.0.0.0", false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe("--bind 0.0.0.0: refused: a non-loopback address needs an authorization token");
    expect((err as ConfigError).hint).toBe(
      "add --auth-token-file FILE or --auth-token env:NAME (then only /v1/credentials and the health routes answer there), or bind 127.0.0.1 or ::1",
    );
    expect(() => checkBind("::", false)).toThrow(ConfigError);
    expect(() => checkBind("10.1.2.3", false)).toThrow(ConfigError);
  });

  it("returns remote mode for a non-loopback bind with a token", () => {
    expect(checkBind("0.0.0.0", true)).toBe("remote");
    expect(checkBind("[::]", true)).toBe("remote");
  });

  it("refuses a bind address that is not an IP literal", () => {
    expect(() => checkBind("example.com", true)).toThrow("--bind example.com: not an IP address");
  });
});

describe("validateHopLimit", () => {
  it.each([1, 64, 255])("accepts %d", (n) => expect(validateHopLimit(n)).toBe(n));
  it.each([0, 256, -1, 1.5, Number.NaN])("refuses %d with a usage error", (n) => {
    expect(() => validateHopLimit(n)).toThrow(UsageError);
    expect(() => validateHopLimit(n)).toThrow(`--hop-limit must be a whole number from 1 to 255, not '${n}'`);
  });
});

describe("hopLimitNotice", () => {
  it("without the addon: says nothing for the default 64 and says a non-default value is not enforced", () => {
    expect(hopLimitNotice(64, false)).toBeUndefined();
    expect(hopLimitNotice(1, false)).toMatch(/^serve: --hop-limit 1 is accepted but not enforced: /);
    expect(hopLimitNotice(1, false)).not.toContain("\n");
  });

  it("with the addon: says nothing, whatever the value", () => {
    expect(hopLimitNotice(1, true)).toBeUndefined();
    expect(hopLimitNotice(255, true)).toBeUndefined();
  });
});

describe("the native addon switch", () => {
  it(`${NO_NATIVE_ENV}=1 disables the addon`, () => {
    expect(loadHopLimitAddon({ [NO_NATIVE_ENV]: "1" })).toBeUndefined();
    expect(canEnforceHopLimit({ [NO_NATIVE_ENV]: "1" })).toBe(false);
    expect(hopLimitNotice(1, canEnforceHopLimit({ [NO_NATIVE_ENV]: "1" }))).toMatch(/not enforced/);
  });
});

describe("toErrnoException", () => {
  it("names the errno the addon reports, as Node.js does", () => {
    const err = Object.assign(new Error("bind: Address already in use"), { errno: osConstants.errno.EADDRINUSE, syscall: "bind" });
    expect(toErrnoException(err).code).toBe("EADDRINUSE");
    expect(toErrnoException(err).message).toBe("bind: Address already in use");
  });

  it("keeps an existing code and wraps a non-Error", () => {
    const coded = Object.assign(new Error("x"), { code: "ENOTFOUND" });
    expect(toErrnoException(coded).code).toBe("ENOTFOUND");
    expect(toErrnoException("odd").message).toBe("odd");
    expect(toErrnoException("odd").code).toBeUndefined();
  });
});

describe("formatListenUrl", () => {
  it("brackets IPv6 addresses", () => {
    expect(formatListenUrl("127.0.0.1", 9911)).toBe("http://127.0.0.1:9911/");
    expect(formatListenUrl("::1", 9911)).toBe("http://[::1]:9911/");
    expect(formatListenUrl("0.0.0.0", 80)).toBe("http://0.0.0.0:80/");
  });
});

describe("listen argument checks", () => {
  const handler = () => undefined;
  it("refuses a bad port or hop limit before binding anything", async () => {
    await expect(listen(handler, { host: "127.0.0.1", port: 70000 })).rejects.toThrow(UsageError);
    await expect(listen(handler, { host: "127.0.0.1", port: 0, hopLimit: 0 })).rejects.toThrow(UsageError);
    await expect(listen(handler, { host: "not-an-ip", port: 0 })).rejects.toThrow(ConfigError);
  });
});
