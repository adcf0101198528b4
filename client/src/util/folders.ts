/** Which workspace folder a target belongs to (no vscode import: unit-tested as plain code). */
import * as path from "node:path";
import { targetFile } from "@flowsmith/contract";

/**
 * Whether a target's flow file lies in one of `folders` (`root`: what the target is relative to).
 * Without a root or folders to compare with, everything counts as inside, and so do a deployment's
 * runs.
 */
export function inFolders(target: string, root: string | undefined, folders: readonly string[]): boolean {
  if (!root || !folders.length) return true;
  // A deployment's runs (`deploy:NAME`) have no file: they are this store's, shown with the rest.
  if (target.startsWith("deploy:")) return true;
  const file = path.resolve(root, targetFile(target));
  return folders.some((f) => {
    const rel = path.relative(f, file);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  });
}
