/**
 * What an experiment's replays would refuse is refused before the checkpoint exists (docs/experiments.md):
 * pool events and pools, trained arms without a train part, features the table cannot give, a reward that is
 * not finite, a cost column the table lacks, a policy that cannot be made. Each exits 2 at the field and writes
 * nothing, so the corrected file then runs. A run that fails in its replays before any finishes leaves no
 * checkpoint behind either.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { flakyPlugin } from '../helpers/flakyPlugin.js';

/** 40 queries × 2 models, no text, no latency, no dollar cost. */
function pairs(): string {
  const rows = ['query_id,task,model_id,accuracy,energy_j,input_tokens,output_tokens'];
  for (let q = 0; q < 40; q++) for (const m of ['a', 'b']) rows.push(`q${q},${q % 2 ? 'mmlu' : 'gsm8k'},${m},${(q + (m === 'a' ? 1 : 0)) % 2},${m === 'a' ? 5 : 2},10,5`);
  return rows.join('\n') + '\n';
}

/** 60 RouterBench-shaped prompts (with text) on two families × 2 models. */
function texts(): string {
  const rows = ['sample_id,prompt,eval_name,small,large,small|total_cost,large|total_cost'];
  for (let i = 0; i < 60; i++) rows.push(`${i % 2 ? 'arc' : 'wino'}.${i},"['word${i % 7} thing ${i}']",${i % 2 ? 'arc-challenge' : 'winogrande'},${i % 2},${(i >> 1) % 2},0.0001,0.002`);
  return rows.join('\n') + '\n';
}

const ALL = 'qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-3b, qwen2.5-7b, qwen2.5-14b, mistral-7b, gemma-3-1b, gemma-3-4b, gemma-3-12b, gemma-3-27b, llama-3.2-1b, llama-3.2-3b, llama-3.1-8b, phi-4-mini-4b, phi-4-14b, yi-34b';

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('experiment checks before the checkpoint', () => {
  it('each refusal exits 2 at its field and writes neither the results nor a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-preflight-'));
    writeFileSync(join(dir, 'pairs.csv'), pairs());
    writeFileSync(join(dir, 'rb.csv'), texts());
    const L = 'name: bad\nruns: 1\n';
    const LIN = 'arms:\n  - policy: linucb\n';
    // [YAML, line, field, message]
    const cases: [string, number, string, RegExp][] = [
      [`${L}${LIN}pool:\n  events:\n    - step: 99999\n      remove: [phi-4-mini-4b]\n`, 7, 'pool.events.0.step', /step must be an integer in 0\.\.2499 \(the replayed stream has 2500 queries\)/],
      [`${L}${LIN}pool:\n  exclude: [${ALL}]\n`, 6, 'pool.exclude', /leaves no model in the initial pool/],
      [`${L}${LIN}pool:\n  initial: [yi-34b]\n  events:\n    - {step: 5, add: [phi-4-14b]}\n    - step: 10\n      remove: [yi-34b, phi-4-14b]\n`, 9, 'pool.events.1', /the pool event at step 10 leaves no model in the pool/],
      [`${L}${LIN}  - policy: knn\n`, 5, 'arms.1.policy', /policy 'knn' is trained on a train part: add split: <train share> or train: <table> to the experiment/],
      [`${L}split: 0.5\narms:\n  - policy: train-best-static\n  - policy: knn\n    params: {k: 2.5}\n`, 7, 'arms.1.params.k', /must be a whole number, got 2\.5/],
      [`${L}dataset: pairs.csv\nfeatures: [embed]\n${LIN}`, 4, 'features', /embed needs query text; 'pairs\.csv' has none \(give queries: a file with a text column\)/],
      [`${L}dataset: pairs.csv\n${LIN}  - policy: thompson\n    features: [embed]\n`, 7, 'arms.1.features', /embed needs query text/],
      [`${L}features: [embedding]\n${LIN}`, 3, 'features', /embedding: 'greenserv-pool' has no embedding column/],
      // 60 prompts, half of them train: the PCA gives at most 29 components
      [`${L}dataset: rb.csv\nsplit: 0.5\nembedDim: 40\narms:\n  - policy: train-best-static\n  - policy: linucb\n    features: [embed]\n`, 5, 'embedDim', /arm 'linucb' has features: \[embed\]; embedDim 40: the PCA of embed is fitted on 30 train queries, which give at most 29 components .*use embedDim: 29 or less/],
      [`${L}reward: "accuracy / 0"\n${LIN}`, 3, 'reward', /reward 'accuracy \/ 0' gave a non-finite value \(NaN\) for query '[^']+', model '[^']+' at λ = 0\.5/],
      [`${L}reward: "log(accuracy)"\n${LIN}`, 3, 'reward', /reward 'log\(accuracy\)' gave a non-finite value \(-Infinity\)/],
      [`${L}lambdas: [0.5, 0.9, 0]\nreward: "log(lambda) + accuracy"\n${LIN}`, 4, 'reward', /gave a non-finite value \(-Infinity\) .* at λ = 0$/m],
      // not finite at a λ inside the grid only, where it failed mid-run (no file named, a checkpoint left behind)
      [`${L}lambdas: [0, 0.5, 1]\nreward: "accuracy / (lambda - 0.5)"\n${LIN}`, 4, 'reward', /gave a non-finite value \((-?Infinity|NaN)\) .* at λ = 0\.5$/m],
      [`${L}cost: usd\n${LIN}`, 3, 'cost', /dataset 'greenserv-pool' has no cost_usd values/],
      [`${L}dataset: pairs.csv\ncost: latency\n${LIN}`, 4, 'cost', /dataset 'pairs\.csv' has no latency values/],
      [`${L}dataset: pairs.csv\n${LIN}  - policy: largest\n`, 6, 'arms.1', /arm 'largest': policy 'largest' needs model parameter counts/],
    ];
    for (const [yaml, line, field, msg] of cases) {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, yaml);
      const r = await cli(['experiment', 'run', file, '--out', join(dir, 'X'), '--no-progress', '--no-charts']);
      expect(r.code, yaml).toBe(2);
      expect(r.stderr, yaml).toMatch(new RegExp(`^greenserv: error: ${esc(`${file}:${line} (field '${field}'): `)}`));
      expect(r.stderr, yaml).toMatch(msg);
      expect(readdirSync(dir).sort(), yaml).toEqual(['bad.yaml', 'pairs.csv', 'rb.csv']);
    }
  });

  it('a run that fails in its replays before any finishes removes its checkpoint; one that kept a replay keeps it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-preflight-'));
    const plugin = flakyPlugin;
    const yaml = 'name: flaky\nruns: 2\narms:\n  - policy: flaky\n    module: flaky.mjs\n';
    writeFileSync(join(dir, 'x.yaml'), yaml);
    const out = join(dir, 'X');
    writeFileSync(join(dir, 'flaky.mjs'), plugin(1));
    const first = await cli(['experiment', 'run', join(dir, 'x.yaml'), '--out', out, '--no-progress', '--no-charts', '--workers', '1']);
    expect(first.code).not.toBe(0);
    expect(first.stderr).toMatch(/flaky broke/);
    expect(existsSync(`${out}.partial`)).toBe(false);
    // the first replay finishes, the second fails: its checkpoint is kept for --resume
    writeFileSync(join(dir, 'flaky.mjs'), plugin(2));
    const second = await cli(['experiment', 'run', join(dir, 'x.yaml'), '--out', out, '--no-progress', '--no-charts', '--workers', '1']);
    expect(second.code).not.toBe(0);
    expect(readFileSync(join(`${out}.partial`, 'jobs.ndjson'), 'utf8').trim().split('\n')).toHaveLength(1);
    // a plugin that works: the rerun finishes the kept checkpoint
    writeFileSync(join(dir, 'flaky.mjs'), plugin(1e9));
    const done = await cli(['experiment', 'run', '--resume', `${out}.partial`, '--no-progress', '--no-charts', '--workers', '1']);
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
