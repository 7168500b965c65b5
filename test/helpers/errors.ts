import { expect } from "vitest";

/** Runs `fn`, expects it to throw an instance of `type`, and returns the error for more checks. */
export function errorOf<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error(`expected a ${type.name}`);
}
