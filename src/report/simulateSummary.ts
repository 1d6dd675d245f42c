/** The parts of a simulate summary.json the report reads, validated so a bad file names its field. */
import { z } from 'zod';
import { ownRecord } from '../sim/recordSchema.js';
import { DataError } from '../core/errors.js';
import { parseJsonText } from '../core/readFile.js';

/** JSON writes an undefined value (NaN) as null. */
const num = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);
const meanSd = z.object({ mean: num, sd: num });
const meanSdCi = z.object({ mean: num, sd: num, ci95: z.tuple([num, num]) });

const policy = z.object({
  name: z.string().min(1),
  params: z.record(z.string(), z.number()),
  finalRegret: meanSdCi,
  reward: meanSd,
  accuracy: meanSd,
  energyWh: meanSd,
  costNorm: meanSd,
  latencyS: meanSd,
  selection: ownRecord(z.number()),
  perRun: z.array(z.object({ seed: z.number(), finalRegret: num, reward: num, accuracy: num, energyWh: num })),
});

const cell = { lambda: z.number(), label: z.string() };
const nums = z.array(num);
/** The scenario section (docs/model.md §11), when the simulation used one. */
const scenario = z.object({
  budget: z
    .object({
      kind: z.enum(['energy', 'usd', 'latency']),
      limit: z.number().positive(),
      unit: z.string(),
      reference: z.object({
        bestStatic: z.object({ model: z.string(), accuracy: num, value: num }).nullable(),
        bestMixture: z.object({ a: z.string(), b: z.string(), weightB: num, accuracy: num, value: num }).nullable(),
      }),
      cells: z.array(z.object({ ...cell, final: meanSd, overshoot: meanSd, accuracy: meanSd, within5pct: num })),
      curves: z.array(z.object({ ...cell, steps: z.array(z.number().int().min(0)), running: nums })),
    })
    .nullable(),
  events: z
    .object({
      window: z.number().int().min(1),
      list: z.array(z.object({ step: z.number().int().min(0), what: z.string() })),
      cells: z.array(z.object({ ...cell, event: z.number().int().min(0), regretAfter: meanSd, excessAfter: meanSd.optional() })),
      curves: z.array(z.object({ ...cell, event: z.number().int().min(0), from: z.number().int().min(0), regret: nums })),
      bestStatic: z.array(z.object({ lambda: z.number(), event: z.number().int().min(0), model: z.string(), regret: meanSd })).optional(),
    })
    .nullable(),
  feedback: z.object({ delay: z.string(), rate: z.number(), cells: z.array(z.object({ ...cell, delivered: meanSd, unlabelled: meanSd })) }).optional(),
});

const protocolRow = z.object({
  name: z.string().min(1),
  testRegret: meanSdCi,
  gapClosed: z.object({ mean: num, ci95: z.tuple([num, num]), over: z.enum(['splits', 'runs']), n: z.number().int().min(1) }).nullable(),
  accuracy: num,
  energyWh: num,
  costUsd: num,
  costNorm: num,
  // what the trained routers fitted and which model the static baseline is: the report's footnotes say them
  fitted: ownRecord(z.array(num)).optional(),
  chose: ownRecord(z.number()).optional(),
});
/** The train/test protocol block (docs/outputs.md), when the simulation used --split or --train. */
const protocol = z.object({
  kind: z.enum(['split', 'train-table']),
  fraction: z.number().nullable(),
  splits: z.number().int().min(1),
  train: z.string().nullable(),
  trainQueries: z.number().int().min(1),
  testQueries: z.number().int().min(1),
  baseline: z.literal('train-best-static'),
  hindsight: z.array(z.string()),
  policies: z.array(protocolRow).min(1),
});

const simSummary = z.object({
  dataset: z.object({ name: z.string(), queries: z.number().int().min(1), models: z.number().int().min(1), sha256: z.string() }),
  lambda: z.number(),
  runs: z.number().int().min(1),
  seed: z.number(),
  semantics: z.string(),
  contexts: z.object({ features: z.array(z.string()) }),
  oracle: z.object({ mode: z.string(), totalReward: num }),
  policies: z.array(policy).min(1),
  scenario: scenario.optional(),
  protocol: protocol.optional(),
});

export type SimSummary = z.infer<typeof simSummary>;

export function readSimulateSummary(text: string, file: string): SimSummary {
  const r = simSummary.safeParse(parseJsonText(text, file));
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new DataError(`not a simulate summary: field '${issue.path.join('.') || '(root)'}': ${issue.message}`, file);
  }
  const s = r.data;
  const names = new Set<string>();
  // under --splits k every split's runs are listed, split after split (docs/outputs.md)
  const k = s.protocol?.splits ?? 1;
  const says = k === 1 ? `'runs' says ${s.runs}` : `'runs' × 'protocol.splits' says ${s.runs} × ${k} = ${s.runs * k}`;
  s.policies.forEach((p, i) => {
    if (names.has(p.name)) throw new DataError(`field 'policies.${i}.name': '${p.name}' appears twice`, file);
    names.add(p.name);
    if (p.perRun.length !== s.runs * k) throw new DataError(`field 'policies.${i}.perRun': ${p.perRun.length} runs, ${says}`, file);
  });
  if (s.protocol) {
    const rows = s.protocol.policies.map((p) => p.name);
    if (rows.join('\n') !== s.policies.map((p) => p.name).join('\n')) throw new DataError(`field 'protocol.policies': its rows (${rows.join(', ')}) are not the policies of 'policies'`, file);
    if (s.protocol.testQueries !== s.dataset.queries) throw new DataError(`field 'protocol.testQueries': ${s.protocol.testQueries}, 'dataset.queries' (the test stream) says ${s.dataset.queries}`, file);
  }
  return s;
}
