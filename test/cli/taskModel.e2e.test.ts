/** simulate --task-model: the classifier labels queries marked `unknown`, and the manifest records which file did. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticPrompts } from '../../bench/features.js';
import { cli } from '../helpers/cli.js';

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

describe('simulate --task-model', () => {
  it('labels the unknown queries with the trained tasks and records the model file in manifest.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-taskmodel-'));
    const train = syntheticPrompts(60, 9);
    writeFileSync(join(dir, 'labelled.csv'), 'query_id,text,task\n' + train.map((p, i) => `l${i},${q(p.text)},${p.task}`).join('\n') + '\n');
    const qs = syntheticPrompts(12, 5);
    writeFileSync(join(dir, 'queries.csv'), 'query_id,task,text\n' + qs.map((p, i) => `q${i},unknown,${q(p.text)}`).join('\n') + '\n');
    writeFileSync(join(dir, 'table.csv'), 'query_id,model_id,accuracy,energy_j\n' + qs.flatMap((_, i) => [`q${i},a,${i % 2},1`, `q${i},b,${(i + 1) % 2},2`]).join('\n') + '\n');
    const model = join(dir, 'model.json');
    expect((await cli(['features', 'train-task', join(dir, 'labelled.csv'), '--out', model])).code).toBe(0);
    const labels = (JSON.parse(readFileSync(model, 'utf8')) as { labels: string[] }).labels;
    const base = ['simulate', '--data', join(dir, 'table.csv'), '--queries', join(dir, 'queries.csv'), '--policies', 'random', '--runs', '1', '--steps', 'none', '--no-progress'];

    const r = await cli([...base, '--task-model', model, '--out', join(dir, 'with')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the task of 12/);
    const manifest = JSON.parse(readFileSync(join(dir, 'with', 'manifest.json'), 'utf8')) as { config: { taskModel?: string } };
    expect(manifest.config.taskModel).toBe(model);
    const tasksOf = (out: string): string[] => (JSON.parse(readFileSync(join(dir, out, 'summary.json'), 'utf8')) as { dataset: { tasks: string[] } }).dataset.tasks;
    const tasks = tasksOf('with');
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks) expect(labels).toContain(t);

    // without the flag the key is absent (manifests of other runs keep their bytes)
    const plain = await cli([...base, '--out', join(dir, 'without')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(readFileSync(join(dir, 'without', 'manifest.json'), 'utf8')).not.toContain('taskModel');
    expect(tasksOf('without')).toEqual(['unknown']);
  });
});
