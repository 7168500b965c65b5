/**
 * The credential pipeline: a base source (today X.509 → CreateSession) →
 * zero or more AssumeRole hops → one refresher and cache → the outputs. Every
 * stage is a {@link BaseCredentialSource}-shaped value, so the refresher, the
 * cache and the outputs never care what stands before them.
 */
import type { Credentials } from "./types.js";

/**
 * A stable, secret-free description of the credentials a source hands out:
 * equal descriptions mean interchangeable credentials. The credential cache
 * keys on its hash. A hop describes itself as its base's description followed
 * by its own fields.
 * @public
 */
export type SourceDescription = readonly (string | number | null)[];

/**
 * Where credentials come from: one call of `fetch` is one refresh (the
 * refresher and the cache decide when), `describe` says what they are.
 * @public
 */
export interface BaseCredentialSource {
  /** Gets new credentials. */
  readonly fetch: () => Promise<Credentials>;
  /**
   * The description for the cache key, computed without the heavy loaders;
   * undefined when it cannot be had that way (then nothing is cached and
   * `fetch` reports any problem).
   */
  readonly describe: () => SourceDescription | undefined;
}
