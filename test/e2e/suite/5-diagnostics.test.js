const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { getApi, waitFor, workspaceRoot } = require('./helpers');

const BROKEN = `import { task, workflow } from "flowsmith";
import { z } from "zod";

export const double = task(async ({ n }: { n: number }) => ({ twice: n * 2 }));

export const broken = workflow({ params: z.object({ n: z.number().default(2) }) }, ({ n }) => {
  const a = double({ m: n });
  return { out: a.twice };
});
`;

describe('diagnostics', () => {
  const dir = path.join(workspaceRoot(), 'broken_e2e');
  const file = path.join(dir, 'flow.ts');
  before(async () => {
    await getApi();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, BROKEN);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('shows the language server\'s diagnostics for a broken flow file', async () => {
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(doc.uri).filter((x) => x.source === 'flowsmith');
      return d.length && d;
    }, { timeout: 60_000, message: 'flowsmith diagnostics on the broken file' });
    const codes = diags.map((d) => (typeof d.code === 'object' ? d.code.value : d.code));
    assert.ok(codes.some((c) => String(c).startsWith('FS001') || String(c).startsWith('FS002')), `codes: ${codes.join(', ')}`);
    const unknown = diags.find((d) => /\bm\b/.test(d.message));
    assert.ok(unknown, `a diagnostic names the unknown input: ${diags.map((d) => d.message).join(' | ')}`);
    assert.equal(doc.getText(unknown.range), 'm');
  });
});
