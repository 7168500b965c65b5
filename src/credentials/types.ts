import type { Credentials } from "../session/types.js";

export type { Credentials } from "../session/types.js";

/** Something that hands out credentials (a refresher, a static value in tests). @public */
export interface CredentialSource {
  /** Current valid credentials, or undefined when none are valid now. Never blocks on the network. */
  current(): Credentials | undefined;
}
