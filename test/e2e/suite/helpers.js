// Shared by the suite's files: the extension's test API, condition waits, tree reading, screenshots.
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'flowsmith.flowsmith-vscode';

/** Activates the extension (if needed) and returns what activate() returned. */
async function getApi() {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Polls a condition (sync or async) until it returns something truthy; the value is returned. */
async function waitFor(condition, { timeout = 30_000, interval = 100, message = 'condition' } = {}) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      const why = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${why})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Resolves on the first event `emitter` fires for which `predicate` holds. */
function nextEvent(event, predicate = () => true, timeout = 30_000, what = 'event') {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no ${what} within ${timeout} ms`)); }, timeout);
    const sub = event((e) => {
      if (!predicate(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

function itemStatus(item) {
  const id = item.iconPath && item.iconPath.id;
  return ({ pass: 'complete', 'circle-outline': 'pending', warning: 'stale', 'sync~spin': 'running', error: 'failed',
    'debug-stop': 'stopped', 'circle-slash': 'skipped' })[id] ?? id;
}

/** The Flows tree as plain data: [{ label, target, status, description, contextValue, children }]. */
async function flowsTree(api) {
  const provider = api.flowsTree;
  const walk = async (item) => {
    const children = await provider.getChildren(item);
    return Promise.all(children.map(async (c) => ({
      label: typeof c.label === 'string' ? c.label : c.label.label,
      kind: c.kind, target: c.flow && c.flow.target, node: c.node && c.node.id, status: itemStatus(c),
      description: c.description, contextValue: c.contextValue, tooltip: c.tooltip && (c.tooltip.value ?? c.tooltip),
      children: c.collapsibleState ? await walk(c) : [],
    })));
  };
  return walk(undefined);
}

async function nodeStatuses(api, target) {
  const tree = await flowsTree(api);
  const wf = tree.find((w) => w.target === target);
  if (!wf) return undefined;
  const out = {};
  const visit = (items) => items.forEach((i) => { if (i.kind === 'node') out[i.node] = i.status; visit(i.children); });
  visit(wf.children);
  return out;
}

/**
 * Asks the launcher for a screenshot of the whole window (no-op without one); `waitForText` makes it
 * wait until the window shows that text (the tree or webview has painted).
 */
async function screenshot(name, waitForText) {
  const dir = process.env.FLOWSMITH_E2E_SCREENSHOTS;
  if (!dir) return undefined;
  const png = path.join(dir, `${name}.png`);
  fs.rmSync(png, { force: true });
  fs.writeFileSync(path.join(dir, `${name}.request`), JSON.stringify({ at: Date.now(), waitForText }));
  await waitFor(() => fs.existsSync(png) && !fs.existsSync(path.join(dir, `${name}.request`)), { timeout: 30_000, message: `screenshot ${name}` });
  return png;
}

/**
 * Asks the launcher to drive the keyboard (steps: {waitFor: CSS}, {press: KEY}, {type: TEXT});
 * resolves when done. False when no launcher answers requests (the electron launcher).
 */
async function ui(name, steps, { screenshot: shot = false } = {}) {
  const dir = process.env.FLOWSMITH_E2E_SCREENSHOTS;
  if (!dir) return false;
  const request = path.join(dir, `${name}.request`);
  fs.writeFileSync(request, JSON.stringify({ at: Date.now(), steps, screenshot: shot }));
  await waitFor(() => !fs.existsSync(request), { timeout: 60_000, message: `the launcher to do ${name}` });
  return true;
}

function workspaceRoot() {
  return vscode.workspace.workspaceFolders[0].uri.fsPath;
}

module.exports = { EXTENSION_ID, getApi, waitFor, nextEvent, flowsTree, nodeStatuses, screenshot, ui, workspaceRoot };
