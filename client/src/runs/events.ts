/** Run bookkeeping of the extension's own (the event shapes are the contract's). */

/** Node key inside a run: the id, plus the param set for matrix runs. */
export function nodeKey(node: string, variant: number | undefined): string {
  return variant === undefined ? node : `${node}@${variant}`;
}
