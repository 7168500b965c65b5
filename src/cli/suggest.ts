/**
 * "Did you mean": the closest known name to a mistyped one, by edit distance
 * (insertions, deletions, substitutions and swaps of neighbours). Pure.
 */

/** Optimal string alignment distance between a and b. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `typed`, if it is close enough to be a typo: within a
 * third of the longer name's length (at least 1, at most 3 edits), or the only
 * candidate that starts with what was typed (an abbreviation of 3+ characters).
 */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const t = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  const prefixed: string[] = [];
  for (const c of candidates) {
    const lc = c.toLowerCase();
    if (t.length >= 3 && lc.startsWith(t)) prefixed.push(c);
    const dist = editDistance(t, lc);
    if (dist < bestDistance) {
      bestDistance = dist;
      best = c;
    }
  }
  if (best !== undefined) {
    const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(t.length, best.length) / 3)));
    if (bestDistance <= allowed) return best;
  }
  return prefixed.length === 1 ? prefixed[0] : undefined;
}
