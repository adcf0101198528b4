/** What a layout produces (both the elkjs one and the built-in layered one), and sizes shared by both. */

export interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EdgeShape {
  from: string;
  to: string;
  /** `output → input`, drawn beside the edge when zoomed in. */
  label: string;
  /** The input's declared type (GraphEdge.type), shown on hover. */
  type?: string;
  points: { x: number; y: number }[];
  labelAt?: { x: number; y: number };
  /** A composition's mapped parameter (GraphEdge.mapType): drawn in its own style, labelled by it. */
  mapType?: "raw" | "file" | "db";
  /** For a mapped edge: the upstream output and the param it fills (the hover's `output → param`). */
  output?: string;
  input?: string;
}

/** A composing flow's box around its nodes (compositions only; clusterLayout.ts). */
export interface ClusterBox extends Box {
  /** The group's name: the prefix of its nodes' ids. */
  id: string;
}

export interface Layout {
  nodes: Map<string, Box>;
  edges: EdgeShape[];
  width: number;
  height: number;
  /** Which layout made it: elkjs (small graphs) or the built-in layered one (large graphs). */
  engine: "elk" | "layered";
  /** Where edges point: right (wide panels, every large graph) or down (tall, narrow panels). */
  direction: Direction;
  /** A composition's composing flows, each a box around its nodes (absent for a workflow). */
  clusters?: ClusterBox[];
}

export type Direction = "RIGHT" | "DOWN";

/** Three lines: the node id, its task, its status with the last duration (elements.ts). */
export const NODE_HEIGHT = 62;
/** Average advance of the 13px bold id and of the 11.5px task and status lines. */
const ID_CHAR = 8;
const LINE_CHAR = 6.9;
/** Room the status line needs: icon, "complete", " · 12.3 s". */
const STATUS_WIDTH = 150;

export function edgeLabel(output: string, input: string, mapType?: string): string {
  return `${mapType ? `${mapType}: ` : ""}${output || "(all)"} → ${input}`;
}

export function nodeWidth(id: string, task: string): number {
  return Math.ceil(Math.max(STATUS_WIDTH, id.length * ID_CHAR, (task.length + 5) * LINE_CHAR)) + 30;
}
