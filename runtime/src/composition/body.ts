/**
 * The body of the workflow a composition runs as: each composing flow called as a sub-flow named
 * after it (`{ as: "ingest" }`, so its nodes are `ingest/NODE`), in an order where parents come
 * first, with its params: the composition's own (`FLOW.param`: constants, defaults, --param) and
 * the mapped ones — `raw` a reference to the parent node's output (at `output`, then
 * `attribute_index`), `file` the same reference read as the stored file's path, `db` the value a
 * `db.FLOW.PARAM` node reads from the results database (db.ts).
 */
import { currentBuilder } from "../graph/builder.js";
import type { Binding } from "../graph/model.js";
import type { WorkflowImpl } from "../sdk/impl.js";
import { makeReference } from "../sdk/reference.js";
import { resultsDbTask } from "./db.js";
import type { MappedParameter } from "./document.js";

export interface PlannedFlow {
  /** Its name in the composition (the sub-flow alias). */
  name: string;
  impl: WorkflowImpl;
  /** Its params that are not mapped: the composition's params `NAME.param`. */
  params: string[];
  mapped: MappedParameter[];
}

/** The id of the node a db mapping reads through. */
export function dbNodeId(flow: string, param: string): string {
  return `db.${flow}.${param}`;
}

export function compositionBody(flows: PlannedFlow[], target: string): (params: Record<string, unknown>) => unknown {
  return (params) => {
    const outputs: Record<string, unknown> = {};
    for (const flow of flows) {
      const input: Record<string, unknown> = {};
      for (const key of flow.params) input[key] = params[`${flow.name}.${key}`];
      for (const m of flow.mapped) input[m.param] = mappedValue(flow, m, target);
      const call = flow.impl as unknown as (input: object, options: { as: string }) => unknown;
      outputs[flow.name] = call(input, { as: flow.name });
    }
    return outputs;
  };
}

function mappedValue(flow: PlannedFlow, m: MappedParameter, target: string): unknown {
  const parentFlow = m.parentFlow!.value;
  const parentNode = m.parentTask!.value;
  const node = `${parentFlow}/${parentNode}`;
  const index = [m.output!.value, ...(m.attributeIndex?.value ?? [])];
  const ref = (binding: Binding) => makeReference(binding);
  switch (m.mapType) {
    case "raw":
      return ref({ kind: "ref", node, path: index.map(String) });
    case "file":
      return ref({ kind: "ref", node, path: index.map(String), via: "file-path" });
    case "db": {
      if (!currentBuilder()) throw new Error("a composition's body runs only while its graph is built");
      const read = resultsDbTask(
        {
          output: ref({ kind: "ref", node, path: [] }),
          key: ref({ kind: "ref", node, path: [], via: "cache-key" }),
          composition: target,
          flow: parentFlow,
          node: parentNode,
          index,
          param: `${flow.name}.${m.param}`,
        },
        { as: dbNodeId(flow.name, m.param) },
      );
      return read.value;
    }
  }
}
