/**
 * Labels for byte sources that stand for something else: the CLI reads stdin
 * once and hands the bytes on, and messages should still say "stdin". No
 * imports, so the CLI's start-up path can load it for nothing.
 * @internal
 */
const labels = new WeakMap<Uint8Array, string>();

/** Marks `bytes` so that messages name them `label` (e.g. "stdin"); returns the same bytes. */
export function labelBytes<T extends Uint8Array>(bytes: T, label: string): T {
  labels.set(bytes, label);
  return bytes;
}

/** The label given with labelBytes, if any. */
export function bytesLabel(bytes: Uint8Array): string | undefined {
  return labels.get(bytes);
}
