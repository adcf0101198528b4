/**
 * Language-server benchmark, over the bundled server's real stdio JSON-RPC (`node dist/server.js
 * --stdio`), on a generated workspace of N files × M tasks:
 *   - initialize → first diagnostics of one opened file (the edit target, opened right after
 *     `initialized`, while the server is analysing the workspace, as an editor restoring a tab does);
 *   - whole-workspace analysis: from `initialize` to the server's "analysed N flow files in X ms"
 *     log (by then every flow file's diagnostics were published), and the X the server reports;
 *   - edit → diagnostics of the edited file, p50 / p95 over E edits alternating a valid edit and one
 *     with an error (FS001): what the user waits (each edit comes after a pause, so the server
 *     analyses it at once; DEBOUNCE_MS applies within a burst); plus edit → the server idle again (dependents
 *     re-published, status notification);
 *   - peak RSS of the server (VmHWM);
 *   - initialize → first diagnostics again, from a second server started on the same workspace:
 *     the first start had no V8 code cache (a new install), this one has what the first wrote
 *     (every later start, server/src/boot.ts).
 * Baselines in the same run: `tsc --noEmit -p` on the same workspace, time and peak RSS by
 * /usr/bin/time, once before and once after the server (time: the mean; RSS: the larger); and for
 * the first diagnostics, TypeScript alone typing the opened file (bench/lib/ts-floor.cjs: load
 * the compiler from a code cache, build the opened file's program, bind it, check the file — the
 * work any analysis that types it does), the best of 3 processes timed from spawn.
 *
 *   node --import tsx bench/lsp.ts [--files 100] [--tasks 10] [--edits 100]
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { editedText, generateWorkspace, type GeneratedWorkspace } from "./generate.js";
import { BenchLspClient } from "./lib/lsp-client.js";
import { assert, median, now, peakRssKiB, percentile, REPO, requireBuilt, run, SERVER, sleep, tempDir, TSC } from "./lib/util.js";

/**
 * The server's edit debounce, read from the bundle being measured (`DEBOUNCE_MS` in
 * server/src/server.ts; the bundle keeps the name), reported with the figures.
 */
export function serverDebounceMs(): number {
  for (const file of [SERVER, path.join(REPO, "server/src/server.ts")]) {
    try {
      const m = /\bDEBOUNCE_MS\s*=\s*(\d+)/.exec(fs.readFileSync(file, "utf8"));
      if (m) return Number(m[1]);
    } catch {
      /* try the next */
    }
  }
  return 0;
}

export interface LspOptions {
  files: number;
  tasks: number;
  edits: number;
  seed?: number;
  /** Wait at most this long for any one thing (ms). */
  timeoutMs?: number;
  log?: (line: string) => void;
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

export interface LspFigures {
  files: number;
  tasks: number;
  nodes: number;
  editTarget: string;
  editTargetDependents: number;
  /** The server's edit debounce (ms), as found in its bundle. */
  debounceMs: number;
  initializeMs: number;
  /** initialize sent → first diagnostics of the opened file. */
  firstDiagnosticsMs: number;
  /** didOpen sent → its first diagnostics (the syntax pass: what needs no types), and → its typed ones; first server. */
  openSyntaxMs: number;
  openTypedMs: number;
  /** The same from the second server (its code cache written by the first). */
  openSyntaxWarmMs: number;
  openTypedWarmMs: number;
  /** initialize sent → "analysed N flow files" logged. */
  workspaceMs: number;
  /** The X of the server's "analysed N flow files in X ms". */
  workspaceServerMs: number;
  analysedFiles: number;
  /** Diagnostics published for the flow files at start (must be 0: the workspace is valid). */
  initialDiagnostics: number;
  edits: number;
  editP50: number;
  editP95: number;
  editMax: number;
  idleP50: number;
  idleP95: number;
  editLatencies: number[];
  idleLatencies: number[];
  peakRssKiB: number;
  peakRssAfterAnalysisKiB: number;
  tscMs: number;
  tscRssKiB: number;
  tscFiles?: number;
  /** initialize sent → first diagnostics of the opened file, by a second server (code cache written by the first). */
  firstDiagnosticsWarmMs: number;
  /** What the first server found of its code cache ("miss": none, as after an install) and the second. */
  codeCache: { first: string; second: string };
  /** TypeScript alone typing the opened file (ts-floor.cjs), best of 3, spawn → exit; and its phases. */
  tsFloorMs: number;
  tsFloor: { loadMs: number; programMs: number; bindMs: number; checkMs: number; files: number };
}

/**
 * The TypeScript tsc runs (the bundled server carries ts-morph's, whose default libraries are not
 * files on disk; both parse and bind alike).
 */
const FLOOR_TYPESCRIPT = path.join(REPO, "node_modules/typescript/lib/typescript.js");
const TS_FLOOR = path.join(REPO, "bench/lib/ts-floor.cjs");

/** bench/lib/ts-floor.cjs, best of `times` processes (after one that writes its code cache). */
async function typescriptFloor(dir: string, opened: string, cacheDir: string, times: number): Promise<{ ms: number; phases: LspFigures["tsFloor"] }> {
  const cache = path.join(cacheDir, "typescript.v8cache");
  let best: { ms: number; phases: LspFigures["tsFloor"] } | undefined;
  for (let k = 0; k <= times; k++) {
    const r = await run(process.execPath, [TS_FLOOR, FLOOR_TYPESCRIPT, cache, dir, opened], { cwd: dir });
    assert(r.code === 0, `the TypeScript floor failed: ${r.stderr.slice(0, 2000)}`);
    const phases = JSON.parse(r.stdout) as LspFigures["tsFloor"] & { cache: string; diagnostics: number };
    if (k === 0) continue; // it wrote the cache
    assert(phases.cache === "hit", `the TypeScript floor's code cache was not used (${phases.cache})`);
    assert(phases.diagnostics === 0, `TypeScript alone found ${phases.diagnostics} errors in ${opened}: it is not typing it as tsc does`);
    if (!best || r.wallMs < best.ms) best = { ms: r.wallMs, phases };
  }
  return best!;
}

/**
 * The typed diagnostics of a file opened at `since`: the publish after its syntax pass (the server
 * sends what needs no types first, then the typed set — server/src/analysis/syntaxPass.ts).
 */
async function typedAfter(client: BenchLspClient, file: string, since: number, timeoutMs: number): Promise<{ at: number }> {
  const uri = client.uri(file);
  return client.waitFor("the typed diagnostics of the opened file", () => client.published.filter((p) => p.uri === uri && p.at >= since)[1], timeoutMs);
}

export async function lspBench(o: LspOptions): Promise<LspFigures> {
  requireBuilt([SERVER, TSC, FLOOR_TYPESCRIPT]);
  const log = o.log ?? (() => {});
  const timeout = o.timeoutMs ?? 600_000;
  const dir = tempDir(`lsp-${o.files}x${o.tasks}`);
  const ws: GeneratedWorkspace = generateWorkspace({ dir, files: o.files, tasks: o.tasks, seed: o.seed ?? 1 });
  log(`  generated ${o.files} files × ${o.tasks} tasks (${ws.nodeCount} nodes) in ${dir}`);

  // Baseline: tsc on the same workspace, before and after the server (the mean of the two, so
  // a load change on the shared machine during the run weighs on both sides alike).
  const tscRun = async () => {
    const r = await run(process.execPath, [TSC, "--noEmit", "-p", dir, "--extendedDiagnostics"], { cwd: dir, measure: true });
    assert(r.code === 0, `tsc found errors in the generated workspace:\n${r.stdout.slice(0, 2000)}`);
    assert(r.timeMs !== undefined && r.maxRssKiB !== undefined, "no /usr/bin/time figures");
    return { ms: r.timeMs, rss: r.maxRssKiB, files: Number(/^Files:\s+(\d+)/m.exec(r.stdout)?.[1] ?? NaN) };
  };
  const tscBefore = await tscRun();
  const tscFiles = tscBefore.files;
  log(`  tsc --noEmit: ${(tscBefore.ms / 1000).toFixed(2)} s, ${(tscBefore.rss / 1024).toFixed(0)} MiB, ${tscFiles} files in the program`);

  const debounceMs = serverDebounceMs();
  const target = ws.editTarget;
  const base = fs.readFileSync(target.file, "utf8");
  // The server's code cache: none at the first start (as after an install or an update).
  const cacheDir = tempDir(`lsp-${o.files}x${o.tasks}-code-cache`);
  const env = { ...process.env, FLOWSMITH_CODE_CACHE_DIR: cacheDir };
  const startServer = () =>
    new BenchLspClient(dir, spawn(process.execPath, [...(o.nodeFlags ?? []), SERVER, "--stdio"], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] }));
  const cacheState = (c: BenchLspClient) => /code cache (\w+)/.exec(c.logs.find((l) => l.message.includes("code cache"))?.message ?? "")?.[1] ?? "unknown";
  const client = startServer();
  try {
    const initSent = now();
    await client.initialize();
    const initializeMs = now() - initSent;
    const openedAt = client.open(target.file, base);
    const first = await client.diagnosticsAfter(target.file, openedAt, () => true, timeout);
    const firstDiagnosticsMs = first.at - initSent;
    const typed = await typedAfter(client, target.file, openedAt, timeout);
    const openSyntaxMs = first.at - openedAt;
    const openTypedMs = typed.at - openedAt;
    log(`  initialize → first diagnostics of ${path.relative(dir, target.file)}: ${firstDiagnosticsMs.toFixed(0)} ms; open → syntax pass ${openSyntaxMs.toFixed(0)} ms, → typed ${openTypedMs.toFixed(0)} ms`);

    const analysed = await client.waitFor(
      "the workspace analysis",
      () => {
        for (const l of client.logs) {
          const m = /analysed (\d+) flow files in (\d+) ms/.exec(l.message);
          if (m) return { files: Number(m[1]), ms: Number(m[2]), at: l.at };
        }
        return undefined;
      },
      timeout,
    );
    const workspaceMs = analysed.at - initSent;
    // The sweep ends with a status notification right after its log line: let it pass first.
    await client.waitFor("the end of the workspace sweep", () => client.statusChanges.find((s) => s.at >= analysed.at), timeout);
    const peakRssAfterAnalysisKiB = peakRssKiB(client.pid) ?? NaN;
    const flowUris = new Set(ws.files.map((f) => client.uri(f.file)));
    const seen = [...client.latest.values()].filter((p) => flowUris.has(p.uri));
    const initialDiagnostics = seen.reduce((n, p) => n + p.diagnostics.length, 0);
    assert(analysed.files === o.files, `the server found ${analysed.files} flow files, expected ${o.files}`);
    assert(seen.length === o.files, `diagnostics were published for ${seen.length} of ${o.files} flow files`);
    assert(
      initialDiagnostics === 0,
      `the generated workspace is not valid: ${initialDiagnostics} diagnostics, e.g. ${JSON.stringify(seen.find((p) => p.diagnostics.length)?.diagnostics[0])}`,
    );
    log(`  workspace analysed: ${workspaceMs.toFixed(0)} ms from initialize (server says ${analysed.ms} ms), RSS ${(peakRssAfterAnalysisKiB / 1024).toFixed(0)} MiB`);

    // Edits: valid, error, valid, error… each waits for the edited file's diagnostics, then for the
    // server to be idle again: its status notification, and a new publish of every file that
    // imports the edited one (they are re-analysed after it).
    const latencies: number[] = [];
    const idle: number[] = [];
    const importerUris = new Set(ws.files.filter((f) => f.importsFrom === target.index).map((f) => client.uri(f.file)));
    for (let k = 0; k < o.edits; k++) {
      const error = k % 2 === 1;
      const text = editedText(base, target.index, k, error);
      const statusBefore = client.statusChanges.length;
      const publishedBefore = client.published.length;
      const sent = client.change(target.file, text);
      const got = await client.diagnosticsAfter(
        target.file,
        sent,
        (d) => (error ? d.some((x) => x.code === "FS001") : d.length === 0),
        timeout,
      );
      latencies.push(got.at - sent);
      const done = await client.waitFor("the server to finish the edit", () => client.statusChanges.slice(statusBefore).find((s) => s.at >= sent), timeout);
      const republished = await client.waitFor(
        `the ${importerUris.size} files importing the edited one to be re-published`,
        () => {
          const at = new Map<string, number>();
          for (let i = publishedBefore; i < client.published.length; i++) {
            const p = client.published[i]!;
            if (p.at >= sent && importerUris.has(p.uri)) at.set(p.uri, p.at);
          }
          return at.size === importerUris.size ? Math.max(done.at, ...at.values()) : undefined;
        },
        timeout,
      );
      idle.push(republished - sent);
      await sleep(5);
    }
    const peak = peakRssKiB(client.pid) ?? NaN;
    const firstCache = cacheState(client);
    await client.stop();
    assert(fs.readdirSync(cacheDir).some((f) => f.endsWith(".v8cache")), `the server wrote no code cache in ${cacheDir}`);

    // Every later start: a second server, its code cache written by the first.
    const second = startServer();
    let firstDiagnosticsWarmMs: number;
    let openSyntaxWarmMs: number;
    let openTypedWarmMs: number;
    let secondCache: string;
    try {
      const sent = now();
      await second.initialize();
      const opened = second.open(target.file, base);
      const firstWarm = await second.diagnosticsAfter(target.file, opened, () => true, timeout);
      firstDiagnosticsWarmMs = firstWarm.at - sent;
      openSyntaxWarmMs = firstWarm.at - opened;
      openTypedWarmMs = (await typedAfter(second, target.file, opened, timeout)).at - opened;
      secondCache = cacheState(second);
    } finally {
      await second.stop();
    }
    log(`  a second server (code cache ${secondCache}; the first's: ${firstCache}): initialize → first diagnostics ${firstDiagnosticsWarmMs.toFixed(0)} ms; open → syntax pass ${openSyntaxWarmMs.toFixed(0)} ms, → typed ${openTypedWarmMs.toFixed(0)} ms`);
    const floor = await typescriptFloor(dir, target.file, cacheDir, 3);
    log(
      `  TypeScript alone typing ${path.relative(dir, target.file)} (${floor.phases.files} files): ${floor.ms.toFixed(0)} ms — load ${floor.phases.loadMs.toFixed(0)}, ` +
        `program ${floor.phases.programMs.toFixed(0)}, bind ${floor.phases.bindMs.toFixed(0)}, check ${floor.phases.checkMs.toFixed(0)} ms`,
    );
    const tscAfter = await tscRun();
    const tsc = { timeMs: (tscBefore.ms + tscAfter.ms) / 2, maxRssKiB: Math.max(tscBefore.rss, tscAfter.rss) };
    log(`  tsc --noEmit again: ${(tscAfter.ms / 1000).toFixed(2)} s (baseline: the mean, ${(tsc.timeMs / 1000).toFixed(2)} s)`);
    if (o.edits) {
      log(
        `  ${o.edits} edits: p50 ${median(latencies).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms (edits after a pause: no debounce); ` +
          `idle again p95 ${percentile(idle, 95).toFixed(0)} ms; peak RSS ${(peak / 1024).toFixed(0)} MiB`,
      );
    }
    return {
      files: o.files,
      tasks: o.tasks,
      nodes: ws.nodeCount,
      editTarget: path.relative(dir, target.file),
      editTargetDependents: ws.editTargetDependents,
      debounceMs,
      initializeMs,
      firstDiagnosticsMs,
      openSyntaxMs,
      openTypedMs,
      openSyntaxWarmMs,
      openTypedWarmMs,
      workspaceMs,
      workspaceServerMs: analysed.ms,
      analysedFiles: analysed.files,
      initialDiagnostics,
      edits: o.edits,
      editP50: median(latencies),
      editP95: percentile(latencies, 95),
      editMax: Math.max(...latencies),
      idleP50: median(idle),
      idleP95: percentile(idle, 95),
      editLatencies: latencies,
      idleLatencies: idle,
      peakRssKiB: peak,
      peakRssAfterAnalysisKiB,
      tscMs: tsc.timeMs,
      tscRssKiB: tsc.maxRssKiB,
      tscFiles,
      firstDiagnosticsWarmMs,
      codeCache: { first: firstCache, second: secondCache },
      tsFloorMs: floor.ms,
      tsFloor: floor.phases,
    };
  } finally {
    await client.stop();
  }
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

if (require.main === module) {
  lspBench({
    files: Number(arg("files", "100")),
    tasks: Number(arg("tasks", "10")),
    edits: Number(arg("edits", "100")),
    ...(process.argv.includes("--cpu-prof") ? { nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${path.resolve(arg("prof-dir", "/tmp/flowsmith-bench/profiles"))}`] } : {}),
    log: (l) => process.stdout.write(`${l}\n`),
  }).then(
    (f) => {
      const { editLatencies, idleLatencies, ...rest } = f;
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    },
    (e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
