/**
 * A problem with what the user gave us (a target, a param, a flow file). The CLI prints its message
 * as one line and exits with `exitCode` (2), never with a stack trace.
 */
export class FlowsmithError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly exitCode = 2,
  ) {
    super(code ? `${code}: ${message}` : message);
    this.name = "FlowsmithError";
  }
}

/** The closest candidate by edit distance, for "did you mean" hints. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

export function hint(word: string, candidates: Iterable<string>): string {
  const guess = didYouMean(word, candidates);
  return guess ? ` (did you mean "${guess}"?)` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
