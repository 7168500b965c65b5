/**
 * `doctor`: checks a Roles Anywhere setup and explains what to fix. Gathering
 * (files, environment, network) is separate from judging, which is pure.
 * @packageDocumentation
 */
export type {
  CertificateBundle,
  CheckResult,
  CheckStatus,
  CreateSessionFacts,
  CreateSessionProblem,
  DateProbe,
  DoctorFacts,
  KeyMaterial,
  OnlineFacts,
  Outcome,
  Problem,
  SessionSettings,
} from "./types.js";
export { evaluateDoctor, doctorExitCode, summarize, type DoctorSummary } from "./evaluate.js";
export { formatCheck, formatChecklist, formatChecklistJson, STATUS_MARKS } from "./format.js";
export type { ChecklistOptions } from "./format.js";
export { gatherOfflineFacts, type DoctorRequest, type GatherOptions } from "./gather.js";
export { gatherOnlineFacts, probeServerDate, type OnlineOptions } from "./online.js";
export { proxyFor, type ProxyDecision } from "./check-proxy.js";
export { clockSkew } from "./check-online.js";
