/** How `flowsmith graph` colours node statuses in dot and mermaid, for workflows and compositions alike. */
export const DOT_COLOR: Record<string, string> = { complete: "palegreen", pending: "lightgoldenrod1", stale: "plum", running: "lightblue", failed: "salmon", stopped: "gray80", skipped: "gray90" };

export const MERMAID_CLASSES = [
  "  classDef complete fill:#c8f7c5;",
  "  classDef pending fill:#fff3b0;",
  "  classDef stale fill:#e8c6f0;",
  "  classDef running fill:#b3d9ff;",
  "  classDef failed fill:#f7b2b2;",
  "  classDef stopped fill:#ddd;",
  "  classDef skipped fill:#eee;",
];
