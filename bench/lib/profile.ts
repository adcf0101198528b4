/**
 * Summarise a V8 .cpuprofile (node --cpu-prof): self time and inclusive ("total") time per
 * function, so a miss can be explained by where the time goes.
 *
 *   node --import tsx bench/lib/profile.ts FILE.cpuprofile [--top 25] [--filter text] [--from MS] [--to MS]
 */
import * as fs from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  selfMs: number;
  totalMs: number;
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules|dist|src)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
}

/** `fromMs` / `toMs`: only samples in this window (ms since the profile started). */
export function summarise(file: string, fromMs = 0, toMs = Infinity): { totalMs: number; functions: FunctionCost[] } {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (at / 1000 < fromMs || at / 1000 > toMs) continue;
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + dt);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const functions = [...total.keys()].map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: total.get(name)! / 1000 }));
  return { totalMs: Math.min(toMs, (p.endTime - p.startTime) / 1000) - fromMs, functions };
}

export function formatTop(file: string, top = 25, filter?: string, fromMs = 0, toMs = Infinity): string {
  const s = summarise(file, fromMs, toMs);
  const rows = s.functions.filter((f) => !filter || f.name.includes(filter));
  const bySelf = [...rows].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const byTotal = [...rows].filter((f) => !/^\((root|program|idle|garbage collector)\)/.test(f.name)).sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
  const fmt = (f: FunctionCost) => `${f.selfMs.toFixed(0).padStart(8)} ${f.totalMs.toFixed(0).padStart(8)}  ${f.name}`;
  return [
    `profile ${file}: ${s.totalMs.toFixed(0)} ms`,
    "  self ms  total ms  — by self time",
    ...bySelf.map(fmt),
    "  self ms  total ms  — by inclusive time",
    ...byTotal.map(fmt),
  ].join("\n");
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/lib/profile.ts FILE.cpuprofile [--top N] [--filter text]\n");
    process.exit(2);
  }
  const i = process.argv.indexOf("--top");
  const f = process.argv.indexOf("--filter");
  const from = process.argv.indexOf("--from");
  const to = process.argv.indexOf("--to");
  process.stdout.write(
    `${formatTop(file, i > 0 ? Number(process.argv[i + 1]) : 25, f > 0 ? process.argv[f + 1] : undefined, from > 0 ? Number(process.argv[from + 1]) : 0, to > 0 ? Number(process.argv[to + 1]) : Infinity)}\n`,
  );
}
