/**
 * Issue 7, the extension's security promises, checked statically and by unit tests (Workspace
 * Trust — runs refused in restricted mode — is tested in the real VS Code by
 * test/e2e/suite/untrusted.test.js, not here):
 * - every child process the client starts goes through spawn/execFile/fork without a shell, and
 *   the real spawn path (client/src/runs/cli.ts) hands shell metacharacters to the CLI as plain text;
 * - the graph webview's HTML (client/src/graph/html.ts, built with a stub of the `vscode` module)
 *   has a Content-Security-Policy with default-src 'none', a nonce-only script-src, no remote host
 *   and no inline script;
 * - node ids, task names and errors shown in the UI are text, never markup: the webview's sources
 *   have no HTML-parsing sink, the whole built webview (dist/webview/graph.js) is driven in
 *   Chromium under its real CSP with hostile ids and errors, and the Markdown tooltips of the Flows
 *   and Runs views are rendered as VS Code would.
 *
 * Prints "client spawn sites: N, with a shell: 0; webview CSP checks: …; markup injections: 0".
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import type { FlowInfo, FlowNode, GraphResult } from "@flowsmith/contract";
import { installVscodeStub } from "./helpers/vscodeStub.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const req = createRequire(import.meta.url);
const counts = { spawnSites: 0, shellSites: 0, cspChecks: 0, injectionsTried: 0, injections: 0 };

/** What an attacker-controlled node id, task name, error or title looks like. */
const EVIL = [
  `<img src=x onerror="window.__pwned=1">`,
  `"><script>window.__pwned=1</script>`,
  `</text><foreignObject><iframe src="javascript:window.__pwned=1"></iframe></foreignObject>`,
  `![t](https://evil.example/track.png)[click](command:workbench.action.terminal.new)`,
  "`$(touch PWNED)`; rm -rf / && <b>bold</b>",
];

// ---- a stub of the `vscode` module ---------------------------------------------------------------

/** Like VS Code's MarkdownString: appendText escapes Markdown, appendMarkdown does not. */
class MarkdownString {
  value: string;
  isTrusted?: boolean | { enabledCommands: string[] };
  supportHtml?: boolean;
  supportThemeIcons?: boolean;
  constructor(value = "", supportThemeIcons = false) {
    this.value = value;
    this.supportThemeIcons = supportThemeIcons;
  }
  appendText(text: string): this {
    this.value += text.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, "\\$&").replace(/\n/g, "\n\n");
    return this;
  }
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendCodeblock(code: string, language = ""): this {
    const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    this.value += `\n${fence}${language}\n${code}\n${fence}\n`;
    return this;
  }
}

class Uri {
  constructor(readonly fsPath: string) {}
  get path(): string {
    return this.fsPath;
  }
  static file(p: string): Uri {
    return new Uri(p);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(path.join(base.fsPath, ...parts));
  }
  toString(): string {
    return `file://${this.fsPath}`;
  }
}

const vscodeStub = {
  Uri,
  MarkdownString,
  TreeItem: class {
    tooltip?: string | MarkdownString;
    description?: string;
    constructor(
      public label: string,
      public collapsibleState?: number,
    ) {}
  },
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon: class {
    constructor(
      readonly id: string,
      readonly color?: unknown,
    ) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  workspace: {
    isTrusted: true,
    workspaceFolders: undefined as { uri: Uri }[] | undefined,
    getConfiguration: () => ({ get: () => undefined }),
  },
};

installVscodeStub(vscodeStub, "security-client");

// ---- 1. processes without a shell ----------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

interface Finding {
  where: string;
  what: string;
}

/** Child processes started by product code: every call site, and everything that would use a shell. */
function scanProcesses(files: string[]): { sites: Finding[]; problems: Finding[] } {
  const sites: Finding[] = [];
  const problems: Finding[] = [];
  const SHELL_ALWAYS = new Set(["exec", "execSync"]);
  const STARTERS = new Set(["spawn", "spawnSync", "execFile", "execFileSync", "fork", "exec", "execSync"]);
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const rel = path.relative(REPO, file);
    const at = (n: ts.Node) => `${rel}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const named = new Map<string, string>(); // local name → child_process export
    const namespaces = new Set<string>();
    const isChildProcess = (s: ts.Expression) => ts.isStringLiteral(s) && /^(node:)?child_process$/.test(s.text);

    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && isChildProcess(node.moduleSpecifier) && node.importClause && !node.importClause.isTypeOnly) {
        const b = node.importClause.namedBindings;
        if (node.importClause.name) namespaces.add(node.importClause.name.text);
        if (b && ts.isNamespaceImport(b)) namespaces.add(b.name.text);
        if (b && ts.isNamedImports(b)) {
          for (const el of b.elements) {
            if (el.isTypeOnly) continue;
            const exported = (el.propertyName ?? el.name).text;
            named.set(el.name.text, exported);
            if (SHELL_ALWAYS.has(exported)) problems.push({ where: at(el), what: `imports ${exported} from child_process, which always runs a shell` });
          }
        }
      }
      // require("child_process") outside an import: the same rules, but it must be visible.
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require" && node.arguments[0] && isChildProcess(node.arguments[0])) {
        const parent = node.parent;
        if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) namespaces.add(parent.name.text);
        else if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
          for (const el of parent.name.elements) if (ts.isIdentifier(el.name)) named.set(el.name.text, ((el.propertyName as ts.Identifier | undefined) ?? el.name).text);
        } else problems.push({ where: at(node), what: "require(\"child_process\") in a form this check cannot follow" });
      }
      if (ts.isCallExpression(node)) {
        let fn: string | undefined;
        if (ts.isIdentifier(node.expression) && named.has(node.expression.text)) fn = named.get(node.expression.text);
        if (ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && namespaces.has(node.expression.expression.text)) {
          fn = node.expression.name.text;
        }
        if (fn && STARTERS.has(fn)) {
          sites.push({ where: at(node), what: `${fn}(${node.arguments.map((a) => a.getText(sf).replace(/\s+/g, " ").slice(0, 60)).join(", ")})` });
          if (SHELL_ALWAYS.has(fn)) problems.push({ where: at(node), what: `${fn}() runs its command through a shell` });
          const [command, second, third] = node.arguments;
          if (command && (ts.isStringLiteral(command) || ts.isNoSubstitutionTemplateLiteral(command) || ts.isTemplateExpression(command)) && /\s/.test(command.getText(sf))) {
            problems.push({ where: at(node), what: `${fn}() is given a command line (${command.getText(sf)}), not a program and its arguments` });
          }
          const options = fn === "fork" ? (second && ts.isArrayLiteralExpression(second) ? third : second) : second && ts.isArrayLiteralExpression(second) ? third : second && !ts.isObjectLiteralExpression(second) ? third : second;
          if (second && !ts.isArrayLiteralExpression(second) && !ts.isObjectLiteralExpression(second) && fn !== "fork") {
            problems.push({ where: at(node), what: `${fn}() arguments are not an array literal (${second.getText(sf).slice(0, 40)}): cannot tell they are argv` });
          }
          if (options && !ts.isObjectLiteralExpression(options)) {
            problems.push({ where: at(node), what: `${fn}() options are not an object literal (${options.getText(sf).slice(0, 40)}): cannot tell that shell is off` });
          }
        }
      }
      // Any `shell:` option anywhere must be false (options objects built apart from the call).
      if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) && node.name.text === "shell") {
        if (node.initializer.kind !== ts.SyntaxKind.FalseKeyword) problems.push({ where: at(node), what: `shell: ${node.initializer.getText(sf)}` });
      }
      if (ts.isShorthandPropertyAssignment(node) && node.name.text === "shell") problems.push({ where: at(node), what: "shell (shorthand): its value cannot be checked" });
      // VS Code's own ways of running a command line through a shell.
      if (ts.isIdentifier(node) && ["ShellExecution", "sendText", "createTerminal"].includes(node.text)) {
        problems.push({ where: at(node), what: `${node.text}: runs text through a shell` });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { sites, problems };
}

describe("child processes are started without a shell", () => {
  test("static: every child_process call in client/, server/ and runtime/ sources uses argv and no shell", () => {
    const files = ["client/src", "client/webview", "server/src", "runtime/src"].flatMap((d) => sourceFiles(path.join(REPO, d)));
    assert.ok(files.length > 50, `found only ${files.length} source files`);
    const { sites, problems } = scanProcesses(files);
    const clientSites = sites.filter((s) => s.where.startsWith("client/"));
    counts.spawnSites = clientSites.length;
    counts.shellSites = problems.length;
    console.log(`child process call sites: ${sites.map((s) => `${s.where} ${s.what}`).join("; ") || "none"}`);
    assert.ok(clientSites.length >= 1, "the client's CLI spawn was found (else this check is blind)");
    assert.deepEqual(problems.map((p) => `${p.where}: ${p.what}`), []);
  });

  test("static: the language server is started as a node module (fork, no shell), not a command line", () => {
    const text = fs.readFileSync(path.join(REPO, "client/src/server.ts"), "utf8");
    const sf = ts.createSourceFile("server.ts", text, ts.ScriptTarget.Latest, true);
    const serverOptions: ts.ObjectLiteralExpression[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isObjectLiteralExpression(n) && n.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "transport")) serverOptions.push(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
    assert.ok(serverOptions.length >= 1, "the LanguageClient's server options were found");
    for (const o of serverOptions) {
      const keys = o.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : "?"));
      assert.ok(keys.includes("module"), `server options start a module: ${o.getText(sf)}`);
      assert.ok(!keys.includes("command"), `server options are not a command: ${o.getText(sf)}`);
    }
  });

  test("the test catches what it must: a shell, exec() and a command line are reported", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-scan-"));
    try {
      const bad = path.join(dir, "bad.ts");
      fs.writeFileSync(
        bad,
        `import { exec, spawn as run } from "node:child_process";
import * as cp from "child_process";
const opts = { shell: true };
run("node", ["x"], { shell: process.platform === "win32" });
cp.execSync("ls " + dir);
run(\`node \${file}\`);
exec("rm -rf /");
`,
      );
      const { problems } = scanProcesses([bad]);
      const what = problems.map((p) => p.what).join("\n");
      for (const expected of [/imports exec/, /shell: true/, /shell: process\.platform/, /execSync\(\) runs its command through a shell/, /command line/, /exec\(\) runs/]) {
        assert.match(what, expected);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("runtime: the client's CLI spawn (client/src/runs/cli.ts) hands shell metacharacters over as plain arguments", async (t) => {
    const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-client-spawn-")));
    const canary = fs.mkdtempSync(path.join(os.tmpdir(), "flowsmith-canary-"));
    t.after(() => {
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(canary, { recursive: true, force: true });
    });
    fs.writeFileSync(path.join(ws, "package.json"), "{}\n");
    const { execCli, spawnCli } = req("../../client/src/runs/cli.ts") as typeof import("../../client/src/runs/cli.ts");
    const env = {
      context: { asAbsolutePath: (p: string) => path.join(REPO, p) } as never,
      root: () => ws,
    };
    const cp = req("node:child_process") as typeof import("node:child_process");
    const real = cp.spawn;
    const calls: unknown[][] = [];
    (cp as { spawn: unknown }).spawn = (...args: unknown[]) => {
      calls.push(args);
      return (real as (...a: unknown[]) => unknown)(...args);
    };
    let res: { code: number | null; stderr: string };
    const payload = `$(touch ${canary}/PWNED);touch ${canary}/PWNED2 | \`touch ${canary}/PWNED3\` && x`;
    try {
      res = await execCli(env, ["run", `${payload}.ts#wf`]);
      spawnCli(env, ["--version"]).kill();
    } finally {
      (cp as { spawn: unknown }).spawn = real;
    }
    assert.ok(calls.length >= 1, "the client went through child_process.spawn");
    for (const [command, args, options] of calls as [string, string[], { shell?: unknown }][]) {
      assert.equal(command, process.execPath, "the program is Node itself");
      assert.ok(Array.isArray(args), "arguments are an argv array");
      assert.ok(!options?.shell, `no shell (got shell: ${String(options?.shell)})`);
    }
    assert.equal(res.code, 2, res.stderr);
    assert.ok(res.stderr.includes(payload), `the CLI received the text as it is: ${res.stderr}`);
    assert.deepEqual(fs.readdirSync(canary), [], "nothing was executed");
  });
});

// ---- 2. the webview's Content-Security-Policy ---------------------------------------------------------

interface Webview {
  cspSource: string;
  asWebviewUri(uri: Uri): { toString(): string };
}

const WEBVIEW_ORIGIN = "https://webview.test";
const webviewStub: Webview = {
  cspSource: WEBVIEW_ORIGIN,
  asWebviewUri: (uri) => ({ toString: () => `${WEBVIEW_ORIGIN}/${path.relative(REPO, uri.fsPath).split(path.sep).join("/")}` }),
};

function graphHtml(title: string): string {
  const { graphHtml: build } = req("../../client/src/graph/html.ts") as typeof import("../../client/src/graph/html.ts");
  return build(webviewStub as never, Uri.file(REPO) as never, title);
}

/** The CSP of a page, as directive → source list. */
function cspOf(html: string): Map<string, string[]> {
  const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/gi)];
  assert.equal(metas.length, 1, "exactly one CSP meta");
  const csp = new Map<string, string[]>();
  for (const part of metas[0]![1]!.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    assert.ok(!csp.has(name), `directive ${name} appears once`);
    csp.set(name.toLowerCase(), sources);
  }
  return csp;
}

describe("the graph webview's Content-Security-Policy", () => {
  test("default-src 'none'; script-src is one nonce; no unsafe-*, no remote host; every script carries the nonce", () => {
    const html = graphHtml("pipeline");
    const csp = cspOf(html);
    const check = (ok: boolean, message: string) => {
      counts.cspChecks++;
      assert.ok(ok, message);
    };
    check(html.indexOf("Content-Security-Policy") < html.search(/<(script|link)\b/i), "the CSP comes before any script or stylesheet");
    check(csp.get("default-src")?.join(" ") === "'none'", `default-src 'none' (got ${csp.get("default-src")?.join(" ")})`);
    const scriptSrc = csp.get("script-src") ?? [];
    check(scriptSrc.length === 1 && /^'nonce-[A-Za-z0-9+/]{22,}={0,2}'$/.test(scriptSrc[0]!), `script-src is a single nonce of ≥ 128 bits (got ${scriptSrc.join(" ")})`);
    const nonce = /^'nonce-(.+)'$/.exec(scriptSrc[0]!)![1]!;
    for (const [name, sources] of csp) {
      for (const s of sources) {
        check(!/^'unsafe-|^'wasm-unsafe-eval'$/.test(s), `${name} does not allow ${s}`);
        check(s !== "*" && !/^(https?:|wss?:)?\*?$/.test(s) && s !== "https:" && s !== "http:", `${name} does not allow any host (${s})`);
        const local = s === WEBVIEW_ORIGIN || /^'(none|self)'$/.test(s) || /^'nonce-/.test(s) || s === "data:" || s === "blob:";
        check(local, `${name} allows only the webview's own resources (got ${s})`);
      }
    }
    check(!csp.has("script-src-attr") && !csp.has("script-src-elem"), "no per-element script-src loosening the policy");
    check((csp.get("worker-src") ?? ["'none'"]).every((s) => s === "blob:"), "workers only from blob: (the elk worker)");
    check((csp.get("img-src") ?? []).every((s) => s === WEBVIEW_ORIGIN || s === "data:"), "images only local");

    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    check(scripts.length >= 1, "the page has its script");
    check((html.match(/<script\b/gi) ?? []).length === scripts.length, "every <script> is closed");
    for (const [, attrs, body] of scripts) {
      check(new RegExp(`\\bnonce="${nonce.replace(/[+/=]/g, "\\$&")}"`).test(attrs!), `the script carries the nonce: <script${attrs}>`);
      const src = /\bsrc="([^"]+)"/.exec(attrs!)?.[1];
      check(Boolean(src && src.startsWith(`${WEBVIEW_ORIGIN}/dist/webview/`)), `the script is a local file of the extension (${src})`);
      check(body!.trim() === "", "no inline script");
    }
    check(!/\son[a-z]+\s*=/i.test(html), "no inline event handlers");
    check(!/\sstyle\s*=/i.test(html), "no inline styles");
    check(!/javascript:/i.test(html), "no javascript: URLs");
  });

  test("a new nonce every time the page is built", () => {
    const nonces = new Set([1, 2, 3, 4, 5].map(() => cspOf(graphHtml("x")).get("script-src")![0]));
    assert.equal(nonces.size, 5);
  });

  test("the title (a workflow target) is escaped wherever the page shows it", () => {
    for (const evil of EVIL) {
      counts.injectionsTried++;
      const html = graphHtml(evil);
      const body = html.replace(/<script\b[^>]*><\/script>/g, "");
      const injected = /<img\b|<iframe\b|<foreignObject\b|<script\b[^>]*>[^<]|<b>/i.test(body) || /"><script/.test(html);
      if (injected) counts.injections++;
      assert.ok(!injected, `the title became markup: ${evil}`);
      assert.equal(cspOf(html).size > 0, true);
    }
  });
});

// ---- 3. what the UI shows is text, never markup ----------------------------------------------------------

function evilGraph(): GraphResult {
  const nodes: FlowNode[] = EVIL.map((id, i) => ({
    id,
    task: `task ${EVIL[(i + 1) % EVIL.length]}`,
    status: "failed",
    deps: i ? [EVIL[i - 1]!] : [],
    scope: [],
    lastRun: { runId: "20261122-000000-abcdef", status: "failed", error: `Error: ${EVIL[(i + 2) % EVIL.length]}\n    at x`, cacheKey: "ab".repeat(32) },
  }));
  return {
    target: `flow.ts#${EVIL[0]}`,
    name: "evil",
    nodes,
    edges: nodes.slice(1).map((n, i) => ({ from: nodes[i]!.id, to: n.id, output: EVIL[3]!, input: EVIL[4]! })),
  };
}

describe("node ids, task names and errors are shown as text", () => {
  test("static: the webview's code (client/webview) has no HTML-parsing sink, no eval, no inline handler", () => {
    // What turns a string into markup or code in a page. Text must go through textContent or
    // setAttribute of a harmless attribute; the Chromium test below checks the behaviour.
    const SINKS: [RegExp, string][] = [
      [/\.(innerHTML|outerHTML)\s*[+]?=/, "assigns innerHTML/outerHTML"],
      [/\binsertAdjacentHTML\s*\(/, "insertAdjacentHTML"],
      [/\bdocument\.write(ln)?\s*\(/, "document.write"],
      [/\bDOMParser\b|\bcreateContextualFragment\s*\(/, "parses HTML"],
      [/\bsrcdoc\b/, "srcdoc"],
      [/\beval\s*\(|\bnew\s+Function\s*\(/, "eval / new Function"],
      [/\bset(Timeout|Interval)\s*\(\s*["'`]/, "a timer with a string of code"],
      [/setAttribute\s*\(\s*["'`]on/i, "an inline event handler attribute"],
      [/setAttribute\s*\(\s*["'`](href|xlink:href|src)["'`]/, "a URL attribute set from data"],
      [/\.on[a-z]+\s*=\s*["'`]/, "an inline handler from a string"],
    ];
    const files = sourceFiles(path.join(REPO, "client/webview"));
    assert.ok(files.length >= 3, "the webview sources were found");
    const found: string[] = [];
    for (const file of files) {
      const lines = fs.readFileSync(file, "utf8").split("\n");
      lines.forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line)) return;
        for (const [re, what] of SINKS) if (re.test(line)) found.push(`${path.relative(REPO, file)}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
    counts.injectionsTried += files.length;
    counts.injections += found.length;
    assert.deepEqual(found, []);
  });

  test("the built webview (dist/webview/graph.js) in Chromium, under its CSP: evil ids and errors stay text, nothing runs", async (t) => {
    const chromiumPath = process.env.FLOWSMITH_CHROMIUM ?? "/usr/bin/chromium";
    // FLOWSMITH_TEST_WEBVIEW points at another build of graph.js (e.g. to check that this test catches a mutation).
    const bundle = process.env.FLOWSMITH_TEST_WEBVIEW ? path.resolve(process.env.FLOWSMITH_TEST_WEBVIEW) : path.join(REPO, "dist/webview/graph.js");
    if (!fs.existsSync(chromiumPath)) {
      console.log(`webview in Chromium: skipped: no Chromium at ${chromiumPath} (scripts/setup-vscode-test.sh installs it)`);
      t.skip(`no Chromium at ${chromiumPath}`);
      return;
    }
    assert.ok(fs.existsSync(bundle), `${bundle} is missing: run npm run build`);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
    t.after(() => browser.close());
    // Wide enough that the five long-named nodes are drawn in full (text), not as overview blocks.
    const page = await browser.newPage({ viewport: { width: 4000, height: 1000 } });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const html = graphHtml(evilGraph().target);
    const types: Record<string, string> = { ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
    const outside: string[] = [];
    await page.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== WEBVIEW_ORIGIN) {
        outside.push(url.href);
        return route.abort();
      }
      if (url.pathname === "/index.html") return route.fulfill({ body: html, contentType: "text/html" });
      const file = url.pathname === "/dist/webview/graph.js" ? bundle : path.join(REPO, decodeURIComponent(url.pathname));
      if ((file !== bundle && !file.startsWith(REPO + path.sep)) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: "" });
      return route.fulfill({ body: fs.readFileSync(file), contentType: types[path.extname(file)] ?? "application/octet-stream" });
    });
    // Page-side code is given as text: tsx's transform of this file would add helpers the page lacks.
    await page.addInitScript({
      content: `
        window.__posted = [];
        window.__csp = [];
        window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });
        document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
      `,
    });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${WEBVIEW_ORIGIN}/index.html`);
    // waitForFunction would eval a string in the page, which its CSP refuses: poll from here.
    const until = async (expression: string, what: string, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await page.evaluate(expression))) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; page errors: ${pageErrors.join("; ") || "none"}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(`(window.__posted || []).some((m) => m.type === "ready")`, "the webview's ready message", 15_000);
    const graph = evilGraph();
    await page.evaluate((g) => window.postMessage({ type: "graph", graph: g, live: {}, fit: true, trusted: true }, "*"), graph);
    await until(`window.__posted.some((m) => m.type === "rendered" || m.type === "error")`, "the graph to be drawn", 20_000);
    // The view mounts node elements on an animation frame after it reports the graph drawn.
    // Wait for every node's own label (not just any texts: edge labels and task lines come too).
    await until(`(() => { const t = [...document.querySelectorAll("#canvas text")].map((e) => e.textContent); return ${JSON.stringify(EVIL)}.every((id) => t.includes(id)); })()`, "the node labels to be mounted", 20_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${String(await page.evaluate("document.getElementById('canvas').outerHTML.slice(0, 3000) + ' / ' + JSON.stringify(window.__posted)"))}`);
    });
    // The labels as drawn with the whole graph in view (selecting a node below pans to it, and the
    // view only keeps what is visible mounted).
    const labels = (await page.evaluate(`[...document.querySelectorAll("#canvas text")].map((e) => e.textContent)`)) as string[];
    await page.evaluate((m) => window.postMessage({ type: "error", message: m }, "*"), EVIL.join(" "));
    await page.evaluate((id) => window.postMessage({ type: "select", node: id }, "*"), EVIL[0]);
    const seen = (await page.evaluate(`({
      posted: window.__posted,
      pwned: window.__pwned ?? null,
      csp: window.__csp,
      elements: [...document.querySelectorAll("img, iframe, object, embed, foreignObject, b")].map((e) => e.outerHTML.slice(0, 80)),
      texts: [...document.querySelectorAll("#canvas text")].map((e) => e.textContent),
      selection: document.getElementById("selection")?.textContent,
      message: document.getElementById("message")?.textContent,
      tooltip: document.querySelector("#nodes .node title")?.textContent ?? "",
    })`)) as {
      posted: { type: string; message?: string }[];
      pwned: unknown;
      csp: string[];
      elements: string[];
      texts: string[];
      selection?: string;
      message?: string;
      tooltip: string;
    };
    assert.deepEqual(pageErrors, [], "no script error in the page");
    counts.injectionsTried += EVIL.length;
    const errors = seen.posted.filter((m) => m.type === "error");
    assert.deepEqual(errors, [], "the webview rendered without errors");
    assert.deepEqual(seen.csp, [], "the page needs nothing its CSP forbids");
    assert.deepEqual(outside, [], "no request left the webview's origin");
    assert.deepEqual(seen.elements, [], "no markup was injected");
    assert.equal(seen.pwned, null, "no injected script ran");
    assert.deepEqual(dialogs, []);
    for (const id of EVIL) assert.ok(labels.includes(id), `node id ${JSON.stringify(id)} is shown as the text it is (texts: ${JSON.stringify(labels.slice(0, 12))})`);
    // Where the page shows them (the selection, a message, a tooltip), ids and errors are the literal text.
    assert.ok([EVIL[0], "No node selected"].includes(seen.selection ?? ""), `the selection shows the id as text: ${seen.selection}`);
    assert.ok(!seen.message || seen.message === EVIL.join(" "), `the message shows the text as given: ${seen.message}`);
    assert.ok(!seen.tooltip.includes("<") || seen.tooltip.includes(EVIL[0]!) || /Error: /.test(seen.tooltip), `a node tooltip is text: ${seen.tooltip}`);
    if (seen.elements.length || seen.pwned !== null) counts.injections++;

    // The CSP is really in force: a script without the nonce and a remote script are refused (eval: no 'unsafe-eval', checked above).
    const blocked = (await page.evaluate(`(async () => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.body.appendChild(s);
      const remote = document.createElement("script");
      remote.src = "https://evil.example/x.js";
      document.body.appendChild(remote);
      await new Promise((r) => setTimeout(r, 50));
      return { inline: window.__inline ?? null, csp: window.__csp };
    })()`)) as { inline: unknown; csp: string[] };
    assert.equal(blocked.inline, null, "an inline script without the nonce does not run");
    assert.ok(blocked.csp.some((v) => /script-src/.test(v) && /inline/.test(v)), `the inline script was reported as a CSP violation: ${blocked.csp.join("; ")}`);
    assert.ok(blocked.csp.some((v) => /evil\.example/.test(v)), `the remote script was refused by the CSP: ${blocked.csp.join("; ")}`);
    assert.deepEqual(outside, [], "the remote script was never even requested");
  });

  test("Flows and Runs view tooltips: Markdown without HTML or command links, and ids, targets and errors escaped", () => {
    const { NodeItem, WorkflowItem } = req("../../client/src/views/flowItems.ts") as typeof import("../../client/src/views/flowItems.ts");
    const { RunItem, RunNodeItem } = req("../../client/src/views/runItems.ts") as typeof import("../../client/src/views/runItems.ts");
    const graph = evilGraph();
    const flow: FlowInfo = {
      target: `flows/${EVIL[3]}.ts#${EVIL[0]}`,
      name: EVIL[0]!,
      uri: "file:///x.ts",
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      params: [{ name: EVIL[1]!, type: "string", required: false, default: EVIL[3] }],
      nodes: graph.nodes,
      description: EVIL[3],
    };
    const items: { what: string; tooltip: unknown }[] = [];
    items.push({ what: "workflow", tooltip: new WorkflowItem(flow, false).tooltip });
    for (const n of graph.nodes) items.push({ what: `node ${n.id}`, tooltip: new NodeItem(flow, n, n.id).tooltip });
    const run = {
      runId: EVIL[3],
      target: flow.target,
      node: EVIL[0],
      status: "failed",
      error: EVIL.join("\n"),
      nodes: graph.nodes.map((n) => ({ id: n.id, task: n.task, status: "failed", error: n.lastRun!.error })),
    };
    items.push({ what: "run", tooltip: new RunItem(run).tooltip });
    for (const n of run.nodes) items.push({ what: `run node ${n.id}`, tooltip: new RunNodeItem(run, n).tooltip });

    // Render as VS Code does for a MarkdownString without supportHtml (HTML is not parsed).
    const MarkdownIt = req("markdown-it") as new (o: { html: boolean }) => { render(s: string): string };
    const md = new MarkdownIt({ html: false });
    const problems: string[] = [];
    for (const { what, tooltip } of items) {
      if (!(tooltip instanceof MarkdownString)) continue; // plain strings are shown as text
      if (tooltip.isTrusted) problems.push(`${what}: isTrusted (command links would run)`);
      if (tooltip.supportHtml) problems.push(`${what}: supportHtml`);
      const rendered = md.render(tooltip.value);
      counts.injectionsTried++;
      const found = [...rendered.matchAll(/<(img|a|script|iframe|b)\b[^>]*>/g)].map((m) => m[0]);
      if (found.length) {
        counts.injections++;
        problems.push(`${what}: ${found.join(" ")} rendered from ${JSON.stringify(tooltip.value.slice(0, 200))}`);
      }
    }
    assert.deepEqual([...new Set(problems)], []);
  });
});

test("count", () => {
  console.log(
    `client spawn sites: ${counts.spawnSites}, with a shell: ${counts.shellSites}; webview CSP checks: ${counts.cspChecks}; markup injections tried: ${counts.injectionsTried}, succeeded: ${counts.injections}`,
  );
  assert.equal(counts.shellSites, 0);
  assert.equal(counts.injections, 0);
});
