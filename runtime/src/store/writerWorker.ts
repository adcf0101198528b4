/**
 * The store writer's worker thread (writer.ts), as CommonJS source: no extra file to ship in the
 * bundles. It makes outputs durable (temp file next to the output, fsync or group commit, rename)
 * and appends node-state lines to journals, in the order asked; see writer.ts for the protocol.
 */
export const WRITER_WORKER = `
const { parentPort, threadId, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const path = require("node:path");
// Below the engine's priority (Linux: per thread): waking a writer must not take the core from
// the thread scheduling the tasks; writers run on what the engine leaves free.
try {
  const tid = Number(fs.readlinkSync("/proc/thread-self").split("/").pop());
  if (tid > 0) require("node:os").setPriority(tid, 10);
} catch {}
const journals = new Map();
const dirs = new Set();
let counter = 0;
function ensureDir(dir) {
  if (dirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  dirs.add(dir);
}
function append(file, text) {
  let fd = journals.get(file);
  if (fd === undefined) {
    ensureDir(path.dirname(file));
    fd = fs.openSync(file, "a");
    journals.set(file, fd);
  }
  writeAll(fd, text);
}
function writeAll(fd, bytes) {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}
/** A temp file next to the output: a rename within one directory does not take the file system's
 *  lock on renames across directories, which threads writing at once would queue on. */
function tempFor(file) {
  return file + "." + process.pid + "." + threadId + "." + (counter++).toString(36) + ".tmp";
}
/**
 * Temp files left open for their fdatasync (commitGroup): opening a file again costs about what
 * creating it did. Past this many, a temp file is closed once written and opened again to sync.
 */
const MAX_OPEN = 256;
let openTemps = 0;
/**
 * Write text to a new temp file for file (made durable later: commitGroup). Returns the temp's
 * name and, while fewer than MAX_OPEN are, its open descriptor (closeTemp closes it).
 */
function writeTemp(file, text) {
  ensureDir(path.dirname(file));
  const tmp = tempFor(file);
  const fd = fs.openSync(tmp, "w");
  try {
    writeAll(fd, text);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  if (openTemps < MAX_OPEN) {
    openTemps++;
    return { tmp, fd };
  }
  fs.closeSync(fd);
  return { tmp, fd: undefined };
}
function closeTemp(m) {
  if (m.fd === undefined) return;
  const fd = m.fd;
  m.fd = undefined;
  openTemps--;
  fs.closeSync(fd);
}
function moveIntoPlace(tmp, file) {
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
/**
 * Group commit: outputs are written to their temp files without an fdatasync each, then made
 * durable together by one syncfs(2) of their file system (coreutils' \`sync -f\`, a process
 * spawned without a shell, which runs while this thread writes the next outputs), then renamed
 * into place — on a disk one flush for hundreds of outputs instead of one each. While a sync runs,
 * the outputs that arrive make the next group. Outputs are grouped only where that is cheaper: the
 * thread keeps the average time of an fdatasync and of a sync (starting a process costs a few ms,
 * an fdatasync in memory next to nothing), and fdatasyncs file by file when the outputs at hand
 * would take less than a sync (until they have taken as long as one: commitGroup) — and everywhere
 * \`sync -f\` is missing or fails (not Linux, a system without coreutils).
 */
/**
 * The median of the last samples of a duration (a thread descheduled mid-call skews a mean). The
 * initial guess counts as a sample, or, with replaceGuess, only until the first is measured.
 */
function recent(initial, replaceGuess = false) {
  const samples = replaceGuess ? [] : [initial];
  let median = initial;
  let measured = false;
  return {
    get: () => median,
    /** A duration was measured here (not only the initial guess). */
    get measured() {
      return measured;
    },
    add(ms) {
      measured = true;
      samples.push(ms);
      if (samples.length > 15) samples.shift();
      median = [...samples].sort((a, b) => a - b)[samples.length >> 1];
    },
  };
}
// (An fdatasync's guess only decides the first output's way: in memory it would outvote ~3 µs.)
const fsyncMs = recent(0.25, true);
const syncMs = recent(10);
function timedDatasync(fd) {
  const t = performance.now();
  fs.fdatasyncSync(fd);
  fsyncMs.add(performance.now() - t);
}
const worthGrouping = (n) => workerData.grouping === "always" || n * fsyncMs.get() > syncMs.get();
let syncCommand =
  workerData.syncCommand !== undefined
    ? workerData.syncCommand || undefined
    : process.platform === "linux"
      ? ["/usr/bin/sync", "/bin/sync"].find((f) => fs.existsSync(f))
      : undefined;
/** Journal lines to write, per journal (one write each when flushed). */
let lines = new Map();
function addLine(journal, line) {
  if (!journal || !line.length) return;
  const list = lines.get(journal);
  if (list) list.push(line);
  else lines.set(journal, [line]);
}
function flushLines() {
  const pending = lines;
  lines = new Map();
  for (const [file, list] of pending) {
    try {
      append(file, list.length === 1 ? list[0] : Buffer.concat(list));
    } catch {
      // A full disk: node states are not worth failing an output over (they are only missing).
    }
  }
}
function fail(batch, i, error) {
  batch.errors.push([i, String((error && error.message) || error), error && error.code]);
}
/** Batches received and not yet read: all that arrived while the last ones were written. */
let queue = [];
/** Batches read and not answered: each waits for its outputs (waiting) to be in place. */
const open = new Set();
/** Outputs in temp files that no sync has covered yet, and those of the sync running. */
let unsynced = [];
let syncing = false;
let closeAsked = false;
parentPort.on("message", (message) => {
  queue.push(message);
  if (queue.length === 1) setImmediate(drain);
});
const OPS = ["object", "state", "close"];
function drain() {
  const batches = queue;
  queue = [];
  // Requests as enqueue() below lays them out: kind, four lengths, then the four fields' UTF-8.
  const parsed = batches.map(({ seq, data }) => {
    const b = Buffer.from(data);
    const requests = [];
    for (let o = 0; o < b.length; ) {
      const op = OPS[b[o]];
      const fl = b.readUInt32LE(o + 1), jl = b.readUInt32LE(o + 5), ll = b.readUInt32LE(o + 9), tl = b.readUInt32LE(o + 13);
      o += 17;
      const file = b.toString("utf8", o, (o += fl));
      const journal = b.toString("utf8", o, (o += jl));
      const line = b.subarray(o, (o += ll));
      const text = b.subarray(o, (o += tl));
      requests.push({ op, file, journal, line, text });
    }
    return { seq, requests, errors: [], waiting: 0 };
  });
  // Every output goes to its temp file now; commitGroup makes them durable (one by one, or together).
  for (const batch of parsed) {
    open.add(batch);
    batch.requests.forEach((r, i) => {
      try {
        if (r.op === "close") closeAsked = batch.close = true;
        if (r.op !== "object") return addLine(r.journal, r.line);
        const { tmp, fd } = writeTemp(r.file, r.text);
        batch.waiting++;
        unsynced.push({ batch, i, tmp, fd, r });
      } catch (error) {
        fail(batch, i, error);
      }
    });
  }
  if (!syncing) commitGroup();
  settle();
}
/**
 * Outputs that keep coming (a wide graph, a cluster's results) arrive a few at a time: each small
 * batch alone looks cheaper file by file, but together they are not. An fdatasync's own time
 * understates it: each one commits the file system's journal, which every file created meanwhile
 * waits for (10,000 outputs on a virtual disk: 6.6 s file by file, of which the fdatasyncs
 * themselves took 0.5 s, against 2.3 s in groups of 256). So in a busy stretch (no pause of
 * STRETCH_GAP_MS between commits), once PER_FILE_MAX outputs or a sync's time went file by file,
 * the rest of the stretch goes in groups. A lone node (the usual edit-and-run) is synced by itself,
 * and an fdatasync that costs next to nothing (a file system in memory: ~3 µs) is never grouped.
 */
const STRETCH_GAP_MS = 100;
const PER_FILE_MAX = 64;
const FREE_FSYNC_MS = 0.02;
let perFileMs = 0;
let perFileCount = 0;
let lastCommitEnd = -Infinity;
/**
 * Make the outputs waiting durable, then move them into place (and their journal lines after
 * them). One by one (fdatasync) when the timings say that is cheaper than a sync, but only while it
 * proves so: once the files synced one by one have taken as long as a sync, the rest go in one (on
 * a loaded disk every fdatasync waits for the file system's journal, and a few hundred of them in a
 * row took 20 s where one sync took 2).
 */
function commitGroup() {
  const members = unsynced;
  if (!members.length) return;
  unsynced = [];
  if (performance.now() - lastCommitEnd > STRETCH_GAP_MS) perFileMs = perFileCount = 0;
  let durable = 0; // members fdatasynced one by one (or failed), in order
  const eachFile = (budgetMs, maxFiles = Infinity) => {
    const t = performance.now();
    const end = Math.min(members.length, durable + maxFiles);
    for (; durable < members.length; durable++) {
      if (durable >= end || performance.now() - t > budgetMs) return false;
      const m = members[durable];
      try {
        if (m.fd !== undefined) timedDatasync(m.fd);
        else {
          const fd = fs.openSync(m.tmp, "r+");
          try {
            timedDatasync(fd);
          } finally {
            fs.closeSync(fd);
          }
        }
      } catch (error) {
        try {
          closeTemp(m);
        } catch {}
        fs.rmSync(m.tmp, { force: true });
        fail(m.batch, m.i, error);
        m.tmp = undefined;
      }
    }
    return true;
  };
  const done = () => {
    for (const m of members) {
      m.batch.waiting--;
      if (m.tmp === undefined) continue;
      try {
        closeTemp(m);
      } catch (error) {
        fs.rmSync(m.tmp, { force: true });
        fail(m.batch, m.i, error);
        continue;
      }
      try {
        moveIntoPlace(m.tmp, m.r.file);
        addLine(m.r.journal, m.r.line);
      } catch (error) {
        fail(m.batch, m.i, error);
      }
    }
  };
  if (syncCommand === undefined) return eachFile(Infinity), done();
  // No fdatasync timed on this file system yet: the first output goes by itself, so the choice
  // below rests on a measured figure, not the initial guess (which would group a first big batch
  // even in memory, where a sync only costs a process).
  if (!fsyncMs.measured && workerData.grouping !== "always" && eachFile(Infinity, 1)) {
    lastCommitEnd = performance.now();
    return done();
  }
  const budget = syncMs.get() - perFileMs;
  const free = fsyncMs.get() < FREE_FSYNC_MS;
  // (Where an fdatasync costs next to nothing, file by file always: a sync would cost a process.)
  if (!worthGrouping(members.length) && (free || (budget > 0 && perFileCount < PER_FILE_MAX))) {
    const t = performance.now();
    const all = free ? eachFile(Infinity) : eachFile(budget, PER_FILE_MAX - perFileCount);
    perFileMs += performance.now() - t;
    perFileCount += durable;
    if (all) {
      lastCommitEnd = performance.now();
      return done();
    }
  }
  syncing = true;
  let finished = false;
  const started = performance.now();
  const after = (ok) => {
    if (finished) return;
    finished = true;
    syncing = false;
    lastCommitEnd = performance.now();
    if (ok) syncMs.add(lastCommitEnd - started);
    if (!ok) {
      syncCommand = undefined; // this system's sync cannot do it: fdatasync per file from now on
      eachFile(Infinity);
    }
    done();
    commitGroup(); // what arrived meanwhile
    settle();
  };
  const dir = path.dirname(path.dirname(members[durable].r.file)); // objects/, above its shards
  const child = require("node:child_process").spawn(syncCommand, ["-f", dir], { stdio: "ignore" });
  child.on("error", () => after(false));
  child.on("exit", (code) => after(code === 0));
}
/** Journal lines out, then answer every batch whose outputs are all in place. */
function settle() {
  flushLines();
  const idle = !syncing && unsynced.length === 0;
  if (idle && closeAsked) {
    closeAsked = false;
    for (const fd of journals.values()) fs.closeSync(fd);
    journals.clear();
  }
  for (const batch of open) {
    if (batch.waiting > 0 || (batch.close && closeAsked)) continue; // a close is answered once done
    open.delete(batch);
    parentPort.postMessage({ seq: batch.seq, errors: batch.errors });
  }
}
`;
