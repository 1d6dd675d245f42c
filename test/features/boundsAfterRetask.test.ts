/**
 * A bounds file names tasks; with a task model the tasks of `unknown` queries are only known after loading.
 * The file's bounds must still hold for the predicted tasks (they were replaced by the table's own min/max).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { trainTaskModel } from '../../src/features/taskClassifier.js';
import { fillTextFeatures } from '../../src/sim/run.js';
import { syntheticPrompts } from '../../bench/features.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-bounds-retask-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const prompts = syntheticPrompts(60, 5);
const model = trainTaskModel(prompts.map((p) => ({ text: p.text, label: p.task })), { maxIter: 100 });
const TASKS = [...new Set(prompts.map((p) => p.task))];
// far outside the table's own energy per token (1–3 J over 100 tokens), so a fallback cannot pass for them
const FILE_BOUNDS = new Map(TASKS.map((t, i) => [t, { eptMin: 0.001 * (i + 1), eptMax: 10 * (i + 1) }]));

function write(label: (task: string) => string): { data: string; queries: string; bounds: string } {
  const dir = mkdtempSync(join(tmp, 'case-'));
  const pairs = ['query_id,model_id,accuracy,energy_j,input_tokens,output_tokens'];
  const queries = ['query_id,task,text'];
  prompts.forEach((p, q) => {
    for (let m = 0; m < 2; m++) pairs.push(`q${q},m${m},${(q + m) % 2},${1 + m + (q % 3) * 0.5},60,40`);
    queries.push(`q${q},${label(p.task)},"${p.text.replace(/"/g, '""')}"`);
  });
  const bounds = ['task,ept_min,ept_max', ...TASKS.map((t) => `${t},${FILE_BOUNDS.get(t)!.eptMin},${FILE_BOUNDS.get(t)!.eptMax}`)];
  const f = { data: join(dir, 'pairs.csv'), queries: join(dir, 'queries.csv'), bounds: join(dir, 'bounds.csv') };
  writeFileSync(f.data, pairs.join('\n') + '\n');
  writeFileSync(f.queries, queries.join('\n') + '\n');
  writeFileSync(f.bounds, bounds.join('\n') + '\n');
  return f;
}

describe('a bounds file and predicted tasks', () => {
  it('labelled queries take the file bounds (control)', async () => {
    const f = write((t) => t);
    const t = await loadTable(f.data, { queries: f.queries, bounds: f.bounds, warn: () => {} });
    for (const task of TASKS) expect(t.taskBounds.get(task)).toEqual(FILE_BOUNDS.get(task));
  });

  it('queries whose task the model predicts take the file bounds of that task', async () => {
    const f = write(() => 'unknown');
    const said: string[] = [];
    const t = await loadTable(f.data, { queries: f.queries, bounds: f.bounds, warn: (m) => said.push(m) });
    // the load cannot know a task model follows: it says what happens to the 'unknown' queries either way
    expect(said).toEqual([`${f.bounds}: no bounds for task(s) unknown; using the table's own min/max (queries marked 'unknown' whose task a task model predicts take the bounds of that task)`]);
    const r = fillTextFeatures(t, { taskModel: model });
    expect(r?.tasksFilled).toBe(prompts.length);
    expect([...t.tasks].sort()).toEqual([...TASKS].sort());
    for (const task of TASKS) expect(t.taskBounds.get(task)).toEqual(FILE_BOUNDS.get(task));
  });
});
