/** "Did you mean" for flow words: the runtime's edit-distance hint, shared so CLI and editor agree. */
import { didYouMean } from "../../../runtime/src/util/errors.js";

export { didYouMean };

/** ` (did you mean "x"?)` when a candidate is close to `word`, else nothing: the tail of a message. */
export function didYouMeanHint(word: string, candidates: string[]): string {
  const guess = didYouMean(word, candidates);
  return guess ? ` (did you mean "${guess}"?)` : "";
}
