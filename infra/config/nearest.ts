// "Did you mean ...?": the known name nearest a misspelled one, for unknown config keys and unknown
// command-line options. Nearest by edit distance (insertions, deletions, substitutions and swaps of
// two neighbours, ignoring case), and only when near enough to be the same word mistyped.

/** Optimal string alignment distance: Levenshtein plus the transposition of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/**
 * The candidate nearest `word`, or undefined when none is near enough: at most a third of the
 * word's length in edits (at least 2), so `retentionDay` finds `retentionDays` and `colour` nothing.
 * A candidate that contains the word or is contained in it (`intakeKey`, `sekoiaNsgIntakeKeys`)
 * counts as near when it keeps at least half of it. Ties go to the first candidate.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  if (best) return best.candidate;
  const w = word.toLowerCase();
  return candidates.find((c) => {
    const l = c.toLowerCase();
    return (l.includes(w) || w.includes(l)) && Math.min(l.length, w.length) * 2 >= Math.max(l.length, w.length);
  });
}
