/**
 * The check daemon (like mypy's dmypy or the Nx daemon): a background process that keeps a
 * check's analysis — its TypeScript program, with the lib and @types declarations parsed once —
 * between `flowsmith check`s. A check after an edit then costs what the editor's language server
 * pays for one (the edited files re-read, their analyses redone), not a whole program's build.
 *
 * One daemon per working directory and analysis bundle, on a Unix socket beside the code caches
 * (checkDaemonClient.ts finds it; the CLI starts it after a check in a terminal). Requests are
 * answered one at a time. What each check read is kept as a journal (journal.ts): the next request
 * asks every question again; only changed contents of files that exist are handed to the
 * analysis as edits (as the editor's file watcher does); a file created or deleted, a directory
 * listing, a symlink or anything under node_modules changed, and the analysis is built afresh. The
 * results are also kept in the check cache, so an unchanged check does not even ask the daemon.
 * It exits after FLOWSMITH_CHECK_DAEMON_IDLE_MS (default 10 min) without a request, or when asked.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { FlowAnalysis } from "../analysis/index.js";
import { findWorkspaceRoot, Store } from "../../../runtime/src/store/store.js";
import { FlowsmithError } from "../../../runtime/src/util/errors.js";
import { journalSkip, keepResults, type CheckResults } from "./checkCache.js";
import { changedEntries, currentAnswer, recordJournal, type JournalEntries } from "./journal.js";
import type { DaemonRequest, DaemonResponse } from "./checkDaemonProtocol.js";

interface Session {
  analysis: FlowAnalysis;
  isDir: boolean;
  files: string[];
  journal: JournalEntries;
  used: number;
}

/** What a daemon needs from the check command (commands.ts), passed in to keep the import one-way. */
export interface CheckFunctions {
  analysisFor(target: string, store?: string): { analysis: FlowAnalysis; files: string[] };
  checkResultsOf(analysis: FlowAnalysis, files: string[]): CheckResults;
}

const MAX_SESSIONS = 4;

/** FLOWSMITH_CHECK_DAEMON_LOG=FILE: what the daemon decided for each check, a line each. */
function say(line: string): void {
  const file = process.env.FLOWSMITH_CHECK_DAEMON_LOG;
  if (file) fs.appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}
/** More changed files than this at once (a branch switch) and the analysis is built afresh. */
const MAX_EDITS = 200;
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/;

export function serveCheckDaemon(
  check: CheckFunctions,
  options: { socket: string; identity: string; idleMs: number; warm?: { target: string; store?: string } },
): void {
  const sessions = new Map<string, Session>();
  const cwd = process.cwd();

  const compute = (req: DaemonRequest): CheckResults => {
    const abs = path.resolve(cwd, req.target);
    if (!fs.existsSync(abs)) throw new FlowsmithError(`no such file or directory: ${req.target}`);
    const isDir = fs.statSync(abs).isDirectory();
    const root = isDir ? findWorkspaceRoot(abs) : cwd;
    const skip = journalSkip([Store.forWorkspace(root, req.store).dir]);
    const key = `${abs}\0${req.store ?? ""}`;
    let session = sessions.get(key);
    if (session) {
      const changed = changedEntries(session.journal);
      const edits = changed.filter((k) => k[0] === "r" && !IN_NODE_MODULES.test(k));
      say(`${req.target}: ${changed.length} changed (${changed.slice(0, 5).join(", ")})`);
      if (edits.length !== changed.length || edits.length > MAX_EDITS) {
        sessions.delete(key);
        session = undefined;
      } else {
        // The answer now, taken before the analysis reads the file: a change after this is seen next time.
        for (const k of edits) session.journal[k] = currentAnswer(session.journal, k);
        for (const k of edits) session.analysis.fileChanged(k.slice(1));
      }
    }
    const recording = recordJournal(skip);
    let results: CheckResults;
    try {
      if (!session) {
        const { analysis, files } = check.analysisFor(abs, req.store);
        session = { analysis, isDir, files, journal: {}, used: 0 };
        sessions.set(key, session);
      }
      results = check.checkResultsOf(session.analysis, session.files);
    } catch (error) {
      sessions.delete(key);
      throw error;
    } finally {
      const seen = recording.stop();
      if (session) Object.assign(session.journal, seen);
    }
    session.used = Date.now();
    if (sessions.size > MAX_SESSIONS) {
      const oldest = [...sessions].sort((a, b) => a[1].used - b[1].used)[0]!;
      sessions.delete(oldest[0]);
    }
    keepResults(abs, session.journal, results);
    return results;
  };

  const answer = (req: DaemonRequest): DaemonResponse => {
    if (req.identity !== options.identity || path.resolve(req.cwd) !== cwd) return { ok: false, error: "another flowsmith or directory", exitCode: -1, pid: process.pid };
    if (req.type === "stop") {
      setImmediate(shutdown);
      return { ok: true, files: [], results: [], pid: process.pid };
    }
    try {
      return { ok: true, ...compute(req), pid: process.pid };
    } catch (error) {
      if (error instanceof FlowsmithError) return { ok: false, error: error.message, exitCode: error.exitCode, pid: process.pid };
      // Not the user's mistake: the client checks by itself (and says what is wrong, if anything).
      return { ok: false, error: String((error as Error)?.message ?? error), exitCode: -1, pid: process.pid };
    }
  };

  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(shutdown, options.idleMs);
  };
  const server = net.createServer((socket) => {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf("\n");
      if (nl < 0) return;
      touch();
      let response: DaemonResponse;
      try {
        response = answer(JSON.parse(buffer.slice(0, nl)) as DaemonRequest);
      } catch {
        response = { ok: false, error: "unreadable request", exitCode: -1, pid: process.pid };
      }
      socket.end(`${JSON.stringify(response)}\n`);
      touch();
    });
    socket.on("error", () => undefined);
  });
  function shutdown(): void {
    server.close();
    try {
      fs.rmSync(options.socket, { force: true });
      if (fs.readFileSync(`${options.socket}.pid`, "utf8") === String(process.pid)) fs.rmSync(`${options.socket}.pid`, { force: true });
    } catch {
      // gone already
    }
    process.exit(0);
  }
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE") process.exit(1);
    // A daemon already answers there, or a dead one left its socket.
    const probe = net.connect(options.socket);
    probe.on("connect", () => {
      say(`another daemon serves ${options.socket}; pid ${process.pid} leaves`);
      process.exit(0);
    });
    probe.on("error", () => {
      fs.rmSync(options.socket, { force: true });
      server.listen(options.socket);
    });
  });
  fs.mkdirSync(path.dirname(options.socket), { recursive: true, mode: 0o700 });
  server.listen(options.socket, () => {
    touch();
    // Built now, so the first check after an edit finds the program ready.
    if (options.warm) {
      try {
        compute({ type: "check", target: options.warm.target, store: options.warm.store, cwd, identity: options.identity });
        say(`${options.warm.target}: ready (pid ${process.pid})`);
      } catch {
        // said by the next check, in its own words
      }
    }
  });
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}
