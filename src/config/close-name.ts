// "Did you mean ...?" for a misspelt setting, type or driver: the known name nearest in edits.

/**
 * Optimal string alignment distance, case-insensitive: Levenshtein's insertions, deletions and
 * substitutions plus a swap of two neighbouring letters as one edit ("prot" is one from "port";
 * Damerau, "A technique for computer detection and correction of spelling errors", CACM 1964).
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let before: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/**
 * The candidate a typo most likely meant, or undefined when none is close: at most a third of the
 * word's letters may differ (one for short words), so "usb" suggests nothing among serial and tcp.
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const allowed = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ` (did you mean "baudRate"?)`, or nothing. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const name = closestName(word, candidates);
  return name === undefined ? '' : ` (did you mean "${name}"?)`;
}
