/**
 * Judging what --online found: the clock skew against the endpoint's HTTP
 * Date header, and the real CreateSession. Pure.
 */
import { fail, failFromProblem, iso, pass, skip, warn } from "./results.js";
import type { CheckResult, DateProbe, OnlineFacts } from "./types.js";

/** The checks' names, as printed. @internal */
export const ONLINE_CHECKS = {
  clock: "clock skew",
  createSession: "CreateSession",
} as const;

/** Skew above this many seconds warns. @internal */
export const SKEW_WARN_SECONDS = 60;
/** Skew above this many seconds fails: SigV4 signatures are refused outside ±5 minutes. @internal */
export const SKEW_FAIL_SECONDS = 300;

const NTP_FIX = "synchronise this machine's clock with NTP (e.g. 'timedatectl set-ntp true', or 'chronyc makestep')";

/**
 * The skew of the local clock against the server's, in ms (positive: the
 * local clock is ahead), and its uncertainty. The Date header has one-second
 * resolution (truncated), so its midpoint is taken; the request is assumed to
 * be answered halfway through the round trip.
 * @internal
 */
export function clockSkew(probe: DateProbe): { skewMs: number; uncertaintyMs: number } | undefined {
  if (probe.dateHeader === undefined) return undefined;
  const server = Date.parse(probe.dateHeader);
  if (Number.isNaN(server)) return undefined;
  const local = (probe.sentAt + probe.receivedAt) / 2;
  return { skewMs: local - (server + 500), uncertaintyMs: Math.max(0, probe.receivedAt - probe.sentAt) / 2 + 500 };
}

function seconds(ms: number): string {
  const s = Math.abs(ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  return `${(s / 60).toFixed(1)} min`;
}

function clockLine(clock: OnlineFacts["clock"]): CheckResult {
  const c = ONLINE_CHECKS.clock;
  if ("skipped" in clock) return skip(c, clock.skipped);
  if (!clock.ok) return failFromProblem(c, clock.problem, "check the network path to the endpoint and the proxy settings");
  const probe = clock.value;
  const skew = clockSkew(probe);
  const host = new URL(probe.url).host;
  if (!skew) {
    return warn(c, `${host} answered without a usable Date header${probe.dateHeader ? ` ('${probe.dateHeader}')` : ""}, so the clocks could not be compared`);
  }
  const abs = Math.abs(skew.skewMs) / 1000;
  const direction = skew.skewMs > 0 ? "ahead of" : "behind";
  const detail = `this machine's clock is ${seconds(skew.skewMs)} ${direction} ${host} (±${seconds(skew.uncertaintyMs)})`;
  if (abs > SKEW_FAIL_SECONDS) {
    return fail(c, `${detail}: requests signed more than 5 minutes off are refused ('Invalid signature')`, NTP_FIX);
  }
  if (abs > SKEW_WARN_SECONDS) return warn(c, `${detail}: close to the 5-minute limit of signed requests`, NTP_FIX);
  return pass(c, detail);
}

function createSessionLine(cs: OnlineFacts["createSession"]): CheckResult {
  const c = ONLINE_CHECKS.createSession;
  if ("skipped" in cs) return skip(c, cs.skipped);
  if (!cs.ok) {
    const p = cs.problem;
    const code = p.awsCode && !p.message.includes(p.awsCode) ? ` (${p.awsCode}${p.status ? `, HTTP ${p.status}` : ""})` : "";
    return fail(c, `${p.message}${code}`, p.hint ?? "run again with --debug to see the signed request");
  }
  const v = cs.value;
  return pass(c, `credentials for ${v.assumedRoleArn ?? v.roleArn} (account ${v.accountId}), valid until ${iso(v.expiration)}`);
}

/**
 * The --online lines; without --online, say how to get them.
 * @internal
 */
export function checkOnline(online: OnlineFacts | undefined): CheckResult[] {
  if (!online) {
    return [
      skip(ONLINE_CHECKS.clock, "not checked (add --online to compare this clock with the endpoint's)"),
      skip(ONLINE_CHECKS.createSession, "not tried (add --online to call CreateSession)"),
    ];
  }
  return [clockLine(online.clock), createSessionLine(online.createSession)];
}
