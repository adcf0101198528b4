/**
 * Client code imports `vscode`, which only the editor provides. Unit tests of that code give it a
 * stub: `require("vscode")` (and so `import … from "vscode"`) returns `stub` until the test file ends.
 */
import Module, { createRequire } from "node:module";
import * as path from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const req = createRequire(import.meta.url);

/** `name` keeps two test files' stubs apart (each file is its own process, but names say whose). */
export function installVscodeStub(stub: unknown, name: string): void {
  const id = path.join(REPO, "node_modules", `.vscode-stub-${name}.js`);
  const M = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
  const originalResolve = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === "vscode" ? id : originalResolve.call(this, request, ...rest);
  };
  const stubModule = new Module(id);
  stubModule.filename = id;
  stubModule.loaded = true;
  stubModule.exports = stub;
  req.cache[id] = stubModule;
  after(() => {
    M._resolveFilename = originalResolve;
    delete req.cache[id];
  });
}
