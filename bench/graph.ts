/**
 * Graph benchmark: the graph webview's bundle (dist/webview/graph.js, with its elkjs worker
 * dist/webview/elk-worker.js and client/media/graph.css) in headless Chromium (playwright-core,
 * /usr/bin/chromium), on synthetic workflow graphs of 500, 2,000 and 10,000 nodes (seeded: chains,
 * fan-out, fan-in, sub-flow scopes, mixed statuses).
 *
 * The page is the webview's own markup (client/src/graph/html.ts: same element ids, same CSP with
 * a local origin), served over a local HTTP server, with a stub `acquireVsCodeApi()` that records
 * what the script posts. A `graph` message is posted to the window the way the extension does;
 * timed from just before that post to:
 *   - "rendered": the webview's own message after layout (elkjs in its worker) and drawing;
 *   - first paint: the next frame after "rendered" (two requestAnimationFrame callbacks).
 * Responsiveness: the longest main-thread task during that time (PerformanceObserver "longtask"),
 * and, once drawn, how long a zoom (wheel) and a click on a node take to reach the next frame.
 *
 * When dist/webview/graph.js does not exist (not built yet), the same harness lays the graph out
 * with elkjs directly (node_modules/elkjs/lib/elk.bundled.js, same layered options) and draws plain
 * SVG; the rows then say "elkjs direct".
 *
 *   node --import tsx bench/graph.ts [--sizes 500,2000,10000]
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { rng } from "./generate.js";
import { assert, REPO } from "./lib/util.js";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const BUNDLE = path.join(REPO, "dist/webview/graph.js");
const WORKER = path.join(REPO, "dist/webview/elk-worker.js");
const CSS = path.join(REPO, "client/media/graph.css");
const ELK_BUNDLED = path.join(REPO, "node_modules/elkjs/lib/elk.bundled.js");

interface FlowNode {
  id: string;
  task: string;
  status: string;
  deps: string[];
  scope: string[];
}
interface GraphEdge {
  from: string;
  to: string;
  output: string;
  input: string;
}
export interface SyntheticGraph {
  target: string;
  name: string;
  nodes: FlowNode[];
  edges: GraphEdge[];
}

/** A workflow-like DAG: mostly chains, some fan-out from recent nodes, fan-in nodes, sub-flow groups. */
export function syntheticGraph(n: number, seed = 1): SyntheticGraph {
  const r = rng(seed * 31 + n);
  const statuses = ["complete", "complete", "complete", "pending", "pending", "stale", "failed", "skipped"];
  const nodes: FlowNode[] = [];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < n; i++) {
    const file = Math.floor(i / 15);
    const inSub = i % 15 >= 12;
    const id = `${inSub ? `part_${file}/` : ""}f${file}_t${i % 15}${r() < 0.05 ? `#${2 + Math.floor(r() * 3)}` : ""}_${i}`;
    const deps = new Set<string>();
    if (i > 0) {
      const count = r() < 0.15 ? 2 + Math.floor(r() * 3) : 1; // fan-in sometimes
      for (let k = 0; k < count; k++) {
        // Chains (previous node), fan-out from a recent node, rarely a far one.
        const back = r() < 0.55 ? 1 : r() < 0.9 ? 1 + Math.floor(r() * 12) : 1 + Math.floor(r() * Math.min(i, 200));
        deps.add(nodes[Math.max(0, i - back)]!.id);
      }
    }
    const node: FlowNode = { id, task: `f${file}_t${i % 15}`, status: statuses[Math.floor(r() * statuses.length)]!, deps: [...deps], scope: inSub ? [`part_${file}`] : [] };
    nodes.push(node);
    let k = 0;
    for (const d of node.deps) edges.push({ from: d, to: id, output: r() < 0.5 ? "value" : "rows", input: k++ === 0 ? "x" : `in${k}` });
  }
  return { target: "flows/big.ts#big", name: "big", nodes, edges };
}

function page(mode: "webview" | "elk", origin: string): string {
  const csp = [
    "default-src 'none'",
    `img-src ${origin} data:`,
    `style-src ${origin}`,
    `font-src ${origin}`,
    `script-src ${origin}`,
    `connect-src ${origin}`,
    "worker-src blob:",
  ].join("; ");
  const body =
    mode === "webview"
      ? `<script src="/bench-prelude.js"></script><script src="/dist/webview/graph.js"></script>`
      : `<script src="/bench-prelude.js"></script><script src="/elk.bundled.js"></script><script src="/bench-elk.js"></script>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="/client/media/graph.css"><title>bench</title></head>
<body data-elk-worker="/dist/webview/elk-worker.js">
<div id="toolbar" role="toolbar"><span id="title">bench</span>
<button id="run-workflow" class="trusted">Run workflow</button><span class="sep trusted"></span>
<span id="selection">No node selected</span>
<button id="run-node" class="trusted needs-node" disabled>Run node</button>
<button id="force-node" class="trusted needs-node" disabled>Force</button>
<button id="reset-node" class="trusted needs-node" disabled>Reset</button>
<button id="reset-downstream" class="trusted needs-node" disabled>Reset ↓</button>
<button id="reveal-node" class="needs-node" disabled>Go to call</button>
<button id="task-node" class="needs-node" disabled>Go to task</button><span class="grow"></span>
<button id="zoom-out">−</button><button id="zoom-in">+</button><button id="fit">Fit</button><button id="refresh">Refresh</button></div>
<div id="message" hidden></div>
<svg id="canvas" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="bench"><defs>
<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/></marker>
</defs><g id="viewport"><g id="edges"></g><g id="nodes"></g></g></svg>
<div id="legend"></div>
${body}
</body></html>`;
}

/** Installed before the webview script: the VS Code API stub and the timing hooks. */
const PRELUDE = `
window.__bench = { messages: [], longest: 0, longTasks: 0 };
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { window.__bench.longTasks++; window.__bench.longest = Math.max(window.__bench.longest, e.duration); }
  }).observe({ type: "longtask", buffered: true });
} catch (e) {}
window.__afterPaint = (cb) => requestAnimationFrame(() => requestAnimationFrame(() => cb(performance.now())));
window.acquireVsCodeApi = () => ({
  postMessage(m) {
    const at = performance.now();
    window.__bench.messages.push({ type: m.type, at, nodes: m.nodes, edges: m.edges, layoutMs: m.layoutMs, message: m.message });
    if (m.type === "rendered" && window.__bench.waiting) {
      window.__bench.waiting = false;
      window.__bench.rendered = at;
      window.__afterPaint((t) => { window.__bench.painted = t; });
    }
  },
  getState() { return undefined; },
  setState() {},
});
`;

/** The fallback: elkjs directly in the page with the webview's layered options, plain SVG. */
const ELK_DIRECT = `
window.addEventListener("message", async (event) => {
  const m = event.data;
  if (m.type !== "graph") return;
  const g = m.graph;
  const big = g.nodes.length > 1500;
  const elk = new ELK();
  const laid = await elk.layout({
    id: "root",
    layoutOptions: { "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.layered.nodePlacement.strategy": big ? "SIMPLE" : "NETWORK_SIMPLEX", "elk.layered.thoroughness": big ? "1" : "7" },
    children: g.nodes.map((n) => ({ id: n.id, width: Math.max(90, n.id.length * 7.2 + 34), height: 44 })),
    edges: g.edges.map((e, i) => ({ id: "e" + i, sources: [e.from], targets: [e.to] })),
  });
  const NS = "http://www.w3.org/2000/svg";
  const nodes = document.getElementById("nodes"), edges = document.getElementById("edges");
  const fe = document.createDocumentFragment(), fn = document.createDocumentFragment();
  for (const e of laid.edges || []) for (const s of e.sections || []) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", [s.startPoint, ...(s.bendPoints || []), s.endPoint].map((q, i) => (i ? "L" : "M") + q.x + "," + q.y).join(" "));
    fe.appendChild(p);
  }
  for (const c of laid.children || []) {
    const r = document.createElementNS(NS, "rect");
    r.setAttribute("x", c.x); r.setAttribute("y", c.y); r.setAttribute("width", c.width); r.setAttribute("height", c.height);
    fn.appendChild(r);
  }
  edges.replaceChildren(fe); nodes.replaceChildren(fn);
  acquireVsCodeApi().postMessage({ type: "rendered", nodes: laid.children.length, edges: g.edges.length, layoutMs: 0 });
});
`;

export interface GraphFigures {
  mode: "webview" | "elk direct";
  nodes: number;
  edges: number;
  /** post → the webview's "rendered" message. */
  renderedMs: number;
  /** post → the frame after it (first paint). */
  firstPaintMs: number;
  /** The webview's own layout time (from its "rendered" message). */
  layoutMs?: number;
  drawnNodes: number;
  longestTaskMs: number;
  longTasks: number;
  /** After drawing: a wheel zoom → next frame, and a click on a node → next frame. */
  zoomFrameMs: number;
  clickFrameMs: number;
  timedOut: boolean;
  /** The page (renderer) crashed before first paint: how long after the post. */
  crashedAfterMs?: number;
}

export interface GraphOptions {
  sizes: number[];
  /** Give up on one size after this long (ms); the figure is then reported as a timeout. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

function serve(mode: "webview" | "elk"): Promise<{ server: http.Server; origin: string }> {
  const files: Record<string, [string, string]> = {
    "/dist/webview/graph.js": [BUNDLE, "text/javascript"],
    "/dist/webview/elk-worker.js": [WORKER, "text/javascript"],
    "/client/media/graph.css": [CSS, "text/css"],
    "/elk.bundled.js": [ELK_BUNDLED, "text/javascript"],
  };
  let origin = "";
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0]!;
    if (url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page(mode, origin));
      return;
    }
    if (url === "/favicon.ico") {
      res.writeHead(204);
      res.end();
      return;
    }
    if (url === "/bench-prelude.js" || url === "/bench-elk.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(url === "/bench-prelude.js" ? PRELUDE : ELK_DIRECT);
      return;
    }
    const f = files[url];
    if (!f || !fs.existsSync(f[0])) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": f[1] });
    fs.createReadStream(f[0]).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ server, origin });
    });
  });
}

export function webviewBundleAvailable(): boolean {
  return fs.existsSync(BUNDLE) && fs.existsSync(WORKER);
}

export async function graphBench(o: GraphOptions): Promise<GraphFigures[]> {
  const log = o.log ?? (() => {});
  const mode = webviewBundleAvailable() ? "webview" : "elk";
  if (mode === "elk") log("  dist/webview/graph.js is missing: measuring elkjs directly (run `npm run build` for the webview)");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  const { server, origin } = await serve(mode);
  const out: GraphFigures[] = [];
  try {
    for (const size of o.sizes) {
      const graph = syntheticGraph(size);
      const pg = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      let crashedAt: number | undefined;
      pg.on("crash", () => (crashedAt ??= Date.now()));
      const errors: string[] = [];
      pg.on("pageerror", (e) => errors.push(e.message));
      pg.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await pg.goto(`${origin}/`);
      if (mode === "webview") {
        await pg.waitForFunction(() => (window as unknown as { __bench: { messages: { type: string }[] } }).__bench.messages.some((m) => m.type === "ready"), undefined, { timeout: 10_000 });
      }
      const postedAt = Date.now();
      const started = await pg.evaluate((g) => {
        const w = window as unknown as { __bench: Record<string, unknown> };
        w.__bench.waiting = true;
        w.__bench.longest = 0;
        w.__bench.longTasks = 0;
        const t0 = performance.now();
        w.__bench.t0 = t0;
        window.postMessage({ type: "graph", graph: g, live: {}, fit: true, trusted: true }, "*");
        return t0;
      }, graph);
      const timeout = o.timeoutMs ?? 120_000;
      let timedOut = false;
      try {
        await pg.waitForFunction(() => (window as unknown as { __bench: { painted?: number } }).__bench.painted !== undefined, undefined, { timeout, polling: 50 });
      } catch (error) {
        if (crashedAt === undefined && !/crash/i.test(String(error))) timedOut = true;
        crashedAt ??= /crash/i.test(String(error)) ? Date.now() : undefined;
      }
      if (crashedAt !== undefined) {
        const fig: GraphFigures = {
          mode: mode === "webview" ? "webview" : "elk direct",
          nodes: size,
          edges: graph.edges.length,
          renderedMs: NaN,
          firstPaintMs: NaN,
          drawnNodes: 0,
          longestTaskMs: NaN,
          longTasks: 0,
          zoomFrameMs: NaN,
          clickFrameMs: NaN,
          timedOut: false,
          crashedAfterMs: crashedAt - postedAt,
        };
        out.push(fig);
        log(`  graph ${size} nodes: the page CRASHED ${((crashedAt - postedAt) / 1000).toFixed(1)} s after the graph was posted (renderer or layout worker out of memory?)`);
        await pg.close().catch(() => undefined);
        continue;
      }
      const b = (await pg.evaluate(() => (window as unknown as { __bench: unknown }).__bench)) as {
        messages: { type: string; at: number; nodes?: number; layoutMs?: number; message?: string }[];
        rendered?: number;
        painted?: number;
        longest: number;
        longTasks: number;
      };
      const failure = b.messages.find((m) => m.type === "error");
      assert(!failure, `the graph webview reported an error at ${size} nodes: ${failure?.message}`);
      assert(timedOut || errors.length === 0, `page errors at ${size} nodes: ${errors.join("; ")}`);
      const rendered = [...b.messages].reverse().find((m) => m.type === "rendered");
      let zoomFrameMs = NaN;
      let clickFrameMs = NaN;
      if (!timedOut) {
        assert(rendered?.nodes === size, `the webview drew ${rendered?.nodes} of ${size} nodes`);
        zoomFrameMs = await pg.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const svg = document.getElementById("canvas")!;
              const t = performance.now();
              svg.dispatchEvent(new WheelEvent("wheel", { deltaY: -120, clientX: 400, clientY: 300, bubbles: true, cancelable: true }));
              (window as unknown as { __afterPaint(cb: (t: number) => void): void }).__afterPaint((p) => resolve(p - t));
            }),
        );
        clickFrameMs = await pg.evaluate(
          () =>
            new Promise<number>((resolve) => {
              const node = document.querySelector("#nodes .node, #nodes rect");
              const t = performance.now();
              node?.dispatchEvent(new MouseEvent("click", { bubbles: true }));
              (window as unknown as { __afterPaint(cb: (t: number) => void): void }).__afterPaint((p) => resolve(p - t));
            }),
        );
      }
      const fig: GraphFigures = {
        mode: mode === "webview" ? "webview" : "elk direct",
        nodes: size,
        edges: graph.edges.length,
        renderedMs: b.rendered !== undefined ? b.rendered - started : NaN,
        firstPaintMs: b.painted !== undefined ? b.painted - started : NaN,
        ...(rendered?.layoutMs !== undefined ? { layoutMs: rendered.layoutMs } : {}),
        drawnNodes: rendered?.nodes ?? 0,
        longestTaskMs: b.longest,
        longTasks: b.longTasks,
        zoomFrameMs,
        clickFrameMs,
        timedOut,
      };
      out.push(fig);
      log(
        timedOut
          ? `  graph ${size} nodes: no first paint within ${(timeout / 1000).toFixed(0)} s`
          : `  graph ${size} nodes (${graph.edges.length} edges): layout ${fig.layoutMs ?? "?"} ms, first paint ${fig.firstPaintMs.toFixed(0)} ms, ` +
              `longest main-thread task ${fig.longestTaskMs.toFixed(0)} ms, zoom → frame ${zoomFrameMs.toFixed(0)} ms, click → frame ${clickFrameMs.toFixed(0)} ms`,
      );
      await pg.close();
    }
  } finally {
    server.close();
    await browser.close();
  }
  return out;
}

if (require.main === module) {
  const i = process.argv.indexOf("--sizes");
  const sizes = i > 0 ? process.argv[i + 1]!.split(",").map(Number) : [500, 2000, 10000];
  graphBench({ sizes, log: (l) => process.stdout.write(`${l}\n`) }).then(
    (f) => process.stdout.write(`${JSON.stringify(f, null, 2)}\n`),
    (e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
