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
}

export type Direction = "RIGHT" | "DOWN";

/** Three lines: the node id, its task, its status with the last duration (elements.ts). */
export const NODE_HEIGHT = 62;
/** Average advance of the 13px bold id and of the 11.5px task and status lines. */
const ID_CHAR = 8;
const LINE_CHAR = 6.9;
/** Room the status line needs: icon, "complete", " · 12.3 s". */
const STATUS_WIDTH = 150;

export function edgeLabel(output: string, input: string): string {
  return `${output || "(all)"} → ${input}`;
}

export function nodeWidth(id: string, task: string): number {
  return Math.ceil(Math.max(STATUS_WIDTH, id.length * ID_CHAR, (task.length + 5) * LINE_CHAR)) + 30;
}
