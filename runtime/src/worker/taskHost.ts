/**
 * Finds the task of a node attempt in a process that did not plan the run: a worker process of
 * `--workers N`, or a cluster worker. It loads the run's flow file itself (through the same loader
 * as `flowsmith run`, so a task is the same code with the same name) and keeps it loaded while the
 * files it compiled are unchanged; a task that no export reaches (a named task used only inside a
 * workflow) is found through the workflow's graph, which does not depend on param values.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildGraph } from "../graph/builder.js";
import { loadFlowFile, type LoadedFlows } from "../loader/load.js";
import type { TaskImpl } from "../sdk/impl.js";
import { StoreLayout } from "../store/layout.js";
import { FlowsmithError } from "../util/errors.js";
import type { TaskIdentity } from "../engine/executor.js";

interface Loaded {
  flows: LoadedFlows;
  /** Modification times of the files the load compiled, to notice an edit. */
  stamp: string;
  /** Tasks found through a workflow's graph, by workflow and task name. */
  viaGraph: Map<string, Map<string, TaskImpl>>;
}

export class TaskHost {
  private readonly loaded = new Map<string, Loaded>();

  /** `cacheDir`: the store's cache directory (transformed modules are kept there). */
  constructor(private readonly cacheDir?: string) {}

  /** The task an attempt names; a FlowsmithError naming what is missing otherwise. */
  resolve(task: TaskIdentity): TaskImpl {
    const loaded = this.load(task.flowFile);
    const direct = loaded.flows.tasks.get(task.name);
    if (direct) return direct;
    let byName = loaded.viaGraph.get(task.workflow);
    if (!byName) {
      byName = new Map();
      const flow = loaded.flows.workflows.get(task.workflow);
      if (flow) for (const node of buildGraph(flow, {}).nodes.values()) byName.set(node.task, node.impl);
      loaded.viaGraph.set(task.workflow, byName);
    }
    const found = byName.get(task.name);
    if (!found) throw new FlowsmithError(`task ${task.name} is not defined by ${task.flowFile} (its workflow ${task.workflow} does not call it): was the file changed since the run started?`);
    return found;
  }

  /**
   * Drop the code loaded for flow files, by predicate (a suspended deployment's artifact): loaded
   * again when an attempt names one. How many were dropped.
   */
  forget(which: (flowFile: string) => boolean): number {
    let n = 0;
    for (const flowFile of [...this.loaded.keys()]) {
      if (!which(flowFile)) continue;
      this.loaded.delete(flowFile);
      delete require.cache[flowFile];
      n++;
    }
    return n;
  }

  /**
   * A deployment's artifact is named by the runner's path to the shared store; a worker that mounts
   * the store elsewhere (its --store) finds the same hash in its own.
   */
  private inThisStore(flowFile: string): string {
    const hash = StoreLayout.deploymentHashOf(flowFile);
    if (!hash || !this.cacheDir || fs.existsSync(flowFile)) return flowFile;
    return new StoreLayout(path.dirname(this.cacheDir)).deploymentArtifact(hash, "js");
  }

  private load(flowFile: string): Loaded {
    const before = this.loaded.get(flowFile);
    if (before && before.stamp === stampOf([flowFile, ...before.flows.modules])) return before;
    const flows = loadFlowFile(this.inThisStore(flowFile), this.cacheDir);
    const loaded: Loaded = { flows, stamp: stampOf([flowFile, ...flows.modules]), viaGraph: new Map() };
    this.loaded.set(flowFile, loaded);
    return loaded;
  }
}

function stampOf(files: string[]): string {
  return files
    .map((f) => {
      try {
        const st = fs.statSync(f);
        return `${st.mtimeMs}:${st.size}`;
      } catch {
        return "-";
      }
    })
    .join(",");
}
