/** The graph webview's page: local scripts and styles only, a nonce-based Content-Security-Policy. */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";

export function graphHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const nonce = randomBytes(16).toString("base64");
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  // connect-src: the script fetches the elkjs worker (a local file) and starts it from a blob: URL,
  // because a webview cannot start a worker from its resource origin directly.
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `connect-src ${webview.cspSource}`,
    "worker-src blob:",
  ].join("; ");
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset("client", "media", "graph.css")}">
<title>${esc(title)}</title>
</head>
<body data-elk-worker="${asset("dist", "webview", "elk-worker.js")}">
<div id="toolbar" role="toolbar" aria-label="Graph">
  <span id="title" title="${esc(title)}">${esc(title)}</span>
  <button id="run-workflow" class="trusted" title="Run the workflow">Run workflow</button>
  <span class="sep trusted"></span>
  <span id="selection">No node selected</span>
  <button id="run-node" class="trusted needs-node" title="Run the selected node and its upstream" disabled>Run node</button>
  <button id="force-node" class="trusted needs-node" title="Re-run the selected node even if complete" disabled>Force</button>
  <button id="reset-node" class="trusted needs-node" title="Reset the selected node" disabled>Reset</button>
  <button id="reset-downstream" class="trusted needs-node" title="Reset the selected node and everything downstream" disabled>Reset ↓</button>
  <button id="reveal-node" class="needs-node" title="Show the node's call in the workflow (Enter, double-click)" disabled>Go to call</button>
  <button id="task-node" class="needs-node" title="Show the node's task definition (F12)" disabled>Go to task</button>
  <span class="grow"></span>
  <button id="refresh" title="Request the graph again">Refresh</button>
</div>
<div id="message" hidden></div>
<div id="stage">
<svg id="canvas" xmlns="http://www.w3.org/2000/svg" role="group" tabindex="0" aria-label="${esc(title)}: Tab moves through the nodes; + and - zoom, 0 fits, arrow keys pan" data-vscode-context='{"preventDefaultContextMenuItems":true}'>
  <defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
      <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead"/>
    </marker>
  </defs>
  <g id="viewport"><g id="clusters"></g><g id="edges"></g><g id="cluster-titles"></g><g id="nodes"></g></g>
</svg>
<div id="view-controls" role="toolbar" aria-label="View">
  <button id="zoom-in" class="icon" title="Zoom in (+)" aria-label="Zoom in">+</button>
  <button id="zoom-out" class="icon" title="Zoom out (-)" aria-label="Zoom out">−</button>
  <button id="fit" title="Fit the graph to the window (0)">Fit</button>
</div>
<div id="legend"></div>
</div>
<script nonce="${nonce}" src="${asset("dist", "webview", "graph.js")}"></script>
</body>
</html>`;
}
