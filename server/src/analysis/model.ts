/** Plain data produced by the analysis: what crosses into the LSP adapter and the CLI. */

import type { ParamInfo, Range } from "@flowsmith/contract";
import type { StaticNode as StatusFacts } from "../../../runtime/src/engine/lastRunStatus.js";

export type { ParamInfo, Position, Range } from "@flowsmith/contract";

export type Severity = "error" | "warning" | "information" | "hint";

export interface FlowDiagnostic {
  /** Absolute file path. */
  file: string;
  range: Range;
  severity: Severity;
  /** `FS001`…`FS014`. */
  code: string;
  message: string;
  /** Extra tags for the editor (unused outputs fade out). */
  unnecessary?: boolean;
}

export interface TaskInfo {
  name: string;
  declRange: Range;
  file: string;
  range: Range;
  /** Range of the name to show lenses and symbols on. */
  nameRange: Range;
  fingerprint: string;
  description?: string;
  exportName?: string;
}

export interface StaticEdge {
  from: string;
  to: string;
  output: string;
  input: string;
  outputRange?: { file: string; range: Range };
  inputRange?: { file: string; range: Range };
  /** The type it carries, when the upstream node is not a task's own (a map's lists, a when's branch outputs). */
  type?: string;
}

/**
 * A node of a workflow as the analysis sees it: what the store's status computation needs
 * (id, deps, fingerprint, inputs: the runtime's StaticNode) and where it is in the code.
 */
export interface StaticNode extends StatusFacts {
  task: string;
  taskFile: string;
  taskRange: Range;
  scope: string[];
  /** The call in the workflow body. */
  file: string;
  range: Range;
  /** Inputs whose values are known without running (literals, params with defaults). */
  valueInputs: Record<string, unknown>;
  /** Inputs given a workflow param as it is: input → the param and the workflow it belongs to (compositions map into params). */
  paramInputs?: Record<string, { param: string; workflow: string }>;
  /** What the node is (absent: a task call): `map` (one node per list element) or `when` (a conditional). */
  kind?: "map" | "when";
  /** A map node: the input mapped over (each()). */
  mapInput?: string;
  /** A node inside a when() branch: the when node and the branch's label. */
  branch?: { when: string; label: string };
  /** Inputs bound to `asset(path)`: input name → the asset's absolute path. */
  assetInputs?: Record<string, string>;
}

export interface WorkflowInfo {
  name: string;
  /** Range of the whole declaration (`export const x = workflow(...)`), for document symbols. */
  declRange: Range;
  /** Only exported workflows can be run (`FILE#name` addresses the export). */
  exported: boolean;
  file: string;
  range: Range;
  nameRange: Range;
  params: ParamInfo[];
  nodes: StaticNode[];
  edges: StaticEdge[];
  description?: string;
}

export interface FileAnalysis {
  file: string;
  tasks: TaskInfo[];
  workflows: WorkflowInfo[];
  diagnostics: FlowDiagnostic[];
}
