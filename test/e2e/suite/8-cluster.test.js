// The cluster from the editor (issue 20 item 5), against a real redis-server and two real
// `flowsmith worker` processes started here on a free port of 127.0.0.1: the status bar says where
// runs go with the live worker count, the Workers view lists the workers, Run on Cluster runs the
// pipeline on them and the Runs view shows on which worker each node ran. Everything started is
// stopped by PID afterwards; every wait is bounded.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, nodeStatuses } = require('./helpers');

const PIPELINE = 'pipeline/flow.ts#pipeline';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A child process whose output is kept (for failure messages) and that is killed after the suite. */
function start(command, args, options) {
  const child = spawn(command, args, { ...options, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
  child.output = '';
  child.stdout.on('data', (d) => (child.output += String(d)));
  child.stderr.on('data', (d) => (child.output += String(d)));
  return child;
}

function stop(child) {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}

describe('cluster', function () {
  this.timeout(180_000);
  let api;
  let redis;
  let redisDir;
  const workers = [];
  let url;

  before(async () => {
    api = await getApi();
    await waitFor(async () => (await nodeStatuses(api, PIPELINE)), { timeout: 60_000, message: 'the pipeline in the Flows view' });
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowsmith-e2e-redis-'));
    redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir]);
    redis.on('error', (e) => (redis.output += `\n${e.message} (is redis-server installed? .ci/run installs it)`));
    await waitFor(() => /Ready to accept connections/.test(redis.output) || (redis.exitCode !== null && Promise.reject(new Error(redis.output))),
      { timeout: 20_000, message: `redis-server on ${url}` });
    const cli = path.join(api.deps.context.extensionPath, 'runtime', 'dist', 'cli.js');
    const root = api.deps.flows.root();
    for (let i = 0; i < 2; i++) {
      const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
      workers.push(start(process.execPath, [cli, 'worker', '--cluster', url, '--concurrency', '2'], { cwd: root, env }));
    }
  });

  after(async () => {
    await vscode.workspace.getConfiguration('flowsmith').update('cluster', undefined, vscode.ConfigurationTarget.Workspace);
    await Promise.all(workers.map(stop));
    await stop(redis);
    if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
  });

  it('says runs are local until a cluster is set, then counts its live workers', async () => {
    assert.equal(api.deps.cluster.destination(), 'local');
    assert.match(api.clusterStatus.text, /Flowsmith: local/);
    await vscode.workspace.getConfiguration('flowsmith').update('cluster', url, vscode.ConfigurationTarget.Workspace);
    await waitFor(() => api.deps.cluster.workers().length === 2,
      { timeout: 60_000, message: `two live workers of ${url} (workers: ${workers.map((w) => w.output).join(' | ')}; state ${JSON.stringify(api.deps.cluster.state)})` });
    assert.equal(api.deps.cluster.destination(), 'cluster');
    await waitFor(() => /Flowsmith: cluster · 2 workers/.test(api.clusterStatus.text), { message: `the status bar (${api.clusterStatus.text})` });
    // Each Run lens has a "Run on cluster" beside it now, with the same arguments.
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, 'pipeline', 'flow.ts');
    await vscode.workspace.openTextDocument(uri);
    const lenses = await waitFor(async () => {
      const all = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri, 100);
      return all && all.some((l) => l.command && l.command.command === 'flowsmith.runOnCluster') && all;
    }, { timeout: 30_000, message: 'a Run on cluster lens in pipeline/flow.ts' });
    const onCluster = lenses.filter((l) => l.command && l.command.command === 'flowsmith.runOnCluster');
    const runs = lenses.filter((l) => l.command && /^flowsmith\.run(Workflow|Node)$/.test(l.command.command));
    assert.equal(onCluster.length, runs.length, 'one Run on cluster lens per Run lens');
    const items = api.workersTree.getChildren();
    assert.equal(items.length, 2);
    assert.deepEqual(items.map((w) => w.description).sort(), ['0/2 running', '0/2 running']);
  });

  it('Run on Cluster runs the pipeline on the workers; the Runs view names each node\'s worker', async () => {
    // Earlier files ran the pipeline here: reset it, so every node runs (on the cluster) again.
    const reset = await vscode.commands.executeCommand('flowsmith.resetWorkflow', { target: PIPELINE, params: {}, confirm: false });
    assert.equal(reset.ok, true, JSON.stringify(reset));
    const outcome = await vscode.commands.executeCommand('flowsmith.runOnCluster', { target: PIPELINE, params: {} });
    assert.equal(outcome.status, 'complete', JSON.stringify(outcome));
    const ids = new Set(api.deps.cluster.workers().map((w) => w.id));
    const run = await waitFor(() => api.runsTree.getChildren().find((r) => r.run.runId === outcome.runId), { message: 'the run in the Runs view' });
    const nodes = api.runsTree.getChildren(run);
    assert.equal(nodes.length, 3);
    for (const n of nodes) {
      assert.ok(!n.node.cached, `${n.node.id} ran (it was reset)`);
      assert.ok(n.node.worker && ids.has(n.node.worker), `${n.node.id} ran on a live worker (${JSON.stringify(n.node)}; ${run.run.live ? 'live' : 'recorded'} run; workers ${[...ids].join(', ')}; log ${(run.run.live?.log ?? []).join(' | ').slice(0, 1500)})`);
      assert.match(String(n.description), /on \S+:\d+:/);
    }
  });

  it('a cluster that goes away is said in the status bar, not hidden', async () => {
    await stop(redis);
    await api.deps.cluster.refresh();
    await waitFor(() => api.deps.cluster.state.kind === 'unreachable', { timeout: 30_000, message: 'the cluster unreachable' });
    assert.match(api.clusterStatus.text, /cluster unreachable/);
    assert.match(api.workersView.message ?? '', /cannot be reached/);
  });
});
