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
  label: string;
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
}

export const NODE_HEIGHT = 44;
const CHAR = 7.2;

export function edgeLabel(output: string, input: string): string {
  return `${output || "(all)"} → ${input}`;
}

export function nodeWidth(id: string, task: string): number {
  return Math.max(90, Math.ceil(Math.max(id.length, task.length * 0.85) * CHAR) + 34);
}
