/** Files of a simulate results directory: summary.json, runs.csv, steps.csv|steps.arrow, manifest.json. */
import type { PoolTable } from '../data/pool.js';
import type { Summary } from '../metrics/summary.js';
import { toJson } from '../metrics/summary.js';
import { SpooledSteps, type SimResult, type StepTrace } from '../sim/engine.js';
import type { AtomicDir } from '../core/atomic.js';

import { csvField, csvNum } from '../core/escape.js';

export type StepsFormat = 'csv' | 'arrow' | 'none';

/** Shortest round-trip decimal; NaN as an empty field. */


export function runsCsv(res: SimResult): string {
  const lines = ['policy,run,seed,final_regret,total_reward,mean_reward,accuracy,energy_wh,cost_usd,cost_norm,latency_s,misses'];
  res.policyNames.forEach((name, p) => {
    for (const r of res.metrics[p]) {
      lines.push(
        [
          csvField(name),
          r.run,
          r.seed,
          csvNum(r.finalRegret),
          csvNum(r.totalReward),
          csvNum(r.meanReward),
          csvNum(r.accuracy),
          csvNum(r.energyWh),
          csvNum(r.costUsd),
          csvNum(r.costNorm),
          csvNum(r.latencyS),
          r.misses,
        ].join(','),
      );
    }
  });
  return lines.join('\n') + '\n';
}

/**
 * steps.csv in chunks of 8192 rows, written one by one: a long run (millions of rows) exceeds the longest
 * string JavaScript can hold.
 */
export function* stepsCsv(trace: StepTrace | SpooledSteps, t: PoolTable, policyNames: string[]): Generator<string> {
  const qid = t.queryIds.map(csvField);
  const mid = t.models.map((m) => csvField(m.id));
  const pn = policyNames.map(csvField);
  yield 'run,step,query_id,policy,model_id,reward,regret,cum_regret,accuracy,energy_j\n';
  let chunk: string[] = [];
  // a spooled trace comes one policy-run at a time; the chunks are the same either way
  for (const st of trace instanceof SpooledSteps ? trace.blocks() : [trace]) {
    for (let i = 0; i < st.length; i++) {
      chunk.push(
        `${st.run[i]},${st.step[i]},${qid[st.query[i]]},${pn[st.policy[i]]},${mid[st.model[i]]},${csvNum(st.reward[i])},${csvNum(st.regret[i])},${csvNum(st.cumRegret[i])},${csvNum(st.accuracy[i])},${csvNum(st.energyJ[i])}\n`,
      );
      if (chunk.length === 8192) {
        yield chunk.join('');
        chunk = [];
      }
    }
  }
  yield chunk.join('');
}

/** steps.arrow: Arrow IPC file with dictionary-encoded ids. */
export async function stepsArrow(trace: StepTrace | SpooledSteps, t: PoolTable, policyNames: string[]): Promise<Uint8Array> {
  // the IPC file is built from one table: a spooled trace is read back whole
  const st = trace instanceof SpooledSteps ? trace.whole() : trace;
  const arrow = await import('apache-arrow');
  // explicit dictionary ids: arrow numbers them from a process-wide counter otherwise, so the bytes would
  // depend on what the process wrote before
  const dict = (ids: string[], codes: Int32Array, id: number): import('apache-arrow').Vector => {
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), id);
    const data = arrow.makeData({ type, length: codes.length, data: codes, dictionary: arrow.vectorFromArray(ids, new arrow.Utf8()) });
    return arrow.makeVector(data);
  };
  const table = new arrow.Table({
    run: arrow.makeVector(st.run),
    step: arrow.makeVector(st.step),
    query_id: dict(t.queryIds, st.query, 0),
    policy: dict(policyNames, st.policy, 1),
    model_id: dict(
      t.models.map((m) => m.id),
      st.model,
      2,
    ),
    reward: arrow.makeVector(st.reward),
    regret: arrow.makeVector(st.regret),
    cum_regret: arrow.makeVector(st.cumRegret),
    accuracy: arrow.makeVector(st.accuracy),
    energy_j: arrow.makeVector(st.energyJ),
  });
  return arrow.tableToIPC(table, 'file');
}

export interface Manifest {
  schemaVersion: number;
  command: string;
  greenserv: string;
  node: string;
  dataset: { name: string; sha256: string; source: string };
  config: Record<string, unknown>;
  runSeeds: number[];
  files: string[];
}

export async function writeSimulateOutputs(
  dir: AtomicDir,
  summary: Summary,
  res: SimResult,
  t: PoolTable,
  manifest: Manifest,
  steps: StepsFormat,
): Promise<void> {
  dir.write('summary.json', toJson(summary));
  dir.write('runs.csv', runsCsv(res));
  if (res.steps && steps === 'csv') dir.write('steps.csv', stepsCsv(res.steps, t, res.policyNames));
  if (res.steps && steps === 'arrow') dir.write('steps.arrow', await stepsArrow(res.steps, t, res.policyNames));
  dir.write('manifest.json', toJson(manifest));
}
