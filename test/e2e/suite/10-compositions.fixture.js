// The composition the compositions suite (10-compositions.test.js) and UI story (ui/10-composition.mjs)
// use: examples/composition/nightly.flows.yaml when the workspace has it, else a small one written
// here (two flows, one raw mapping) into composition_e2e/. Plain Node: no vscode import.
const fs = require('node:fs');
const path = require('node:path');

const EXAMPLE = 'composition/nightly.flows.yaml';
const FIXTURE_DIR = 'composition_e2e';

const FIXTURE = {
  'ingest.ts': `import { task, workflow } from "flowsmith";
import { z } from "zod";

export const load = task(async ({ count }: { count: number }) => ({ rows: Array.from({ length: count }, (_, i) => ({ x: i, y: 2 * i + 1 })) }));
export const clean = task(async ({ rows }: { rows: { x: number; y: number }[] }) => ({ rows: rows.filter((r) => r.x % 2 === 0) }));

export const ingest = workflow({ params: z.object({ count: z.number().default(10) }) }, ({ count }) => {
  const cleaned = clean({ rows: load({ count }).rows });
  return { rows: cleaned.rows };
});
`,
  'train.ts': `import { task, workflow } from "flowsmith";
import { z } from "zod";

export const fit = task(async ({ rows, epochs }: { rows: { x: number; y: number }[]; epochs: number }) => ({ slope: rows.length ? 2 : 0, epochs }));

export const train = workflow({ params: z.object({ rows: z.array(z.object({ x: z.number(), y: z.number() })), epochs: z.number().default(2) }) }, ({ rows, epochs }) => {
  return { model: fit({ rows, epochs }) };
});
`,
  'nightly.flows.yaml': `name: nightly
composing_flows:
  - name: ingest
    flow: ingest.ts#ingest
    parameters: { count: 6 }
  - name: train
    flow: train.ts#train
    parameters: { epochs: 3 }
    mapped_parameters:
      rows: { parent_flow_name: ingest, parent_task_name: clean, output: rows }
`,
};

/** The workspace-relative path of the composition to use in `root` (writing the fixture when needed). */
function compositionIn(root) {
  if (fs.existsSync(path.join(root, EXAMPLE))) return EXAMPLE;
  fs.mkdirSync(path.join(root, FIXTURE_DIR), { recursive: true });
  for (const [f, body] of Object.entries(FIXTURE)) fs.writeFileSync(path.join(root, FIXTURE_DIR, f), body);
  return `${FIXTURE_DIR}/nightly.flows.yaml`;
}

module.exports = { compositionIn };
