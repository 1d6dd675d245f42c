/** Files of a simulate results directory: summary.json, runs.csv, steps.csv|steps.arrow, manifest.json. */
import type { PoolTable } from '../data/pool.js';
import type { Summary } from '../metrics/summary.js';
import { toJson } from '../metrics/summary.js';
import { SpooledSteps, type SimResult, type StepTrace } from '../sim/engine.js';
import type { AtomicDir } from '../core/atomic.js';

import { csvField, csvNum } from '../core/escape.js';

export type StepsFormat = 'csv' | 'arrow' | 'none';

/** Shortest round-trip decimal; NaN as an empty field. */


function runsCsv(res: SimResult): string {
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

/** The trace's policy-runs of Q rows each, in row order (views into the trace, or a spooled trace's blocks). */
function* traceBlocks(trace: StepTrace | SpooledSteps, Q: number): Generator<StepTrace> {
  if (trace instanceof SpooledSteps) {
    yield* trace.blocks();
    return;
  }
  for (let lo = 0; lo < trace.length; lo += Q) {
    const v = <T extends Int32Array | Float64Array>(a: T): T => a.subarray(lo, lo + Q) as T;
    const { policy, run, step, query, model, reward, regret, cumRegret, accuracy, energyJ } = trace;
    yield { length: Q, policy: v(policy), run: v(run), step: v(step), query: v(query), model: v(model), reward: v(reward), regret: v(regret), cumRegret: v(cumRegret), accuracy: v(accuracy), energyJ: v(energyJ) };
  }
}

/**
 * steps.arrow: an Arrow IPC file with dictionary-encoded ids and one record batch per policy-run, yielded
 * as the writer produces it, so a spooled trace is never whole in memory. Its schema is fixed: `accuracy` and
 * `energy_j` are nullable, and an undefined value (a pair missing from the table, a table without energy) is
 * null there, as it is an empty field in steps.csv, never a NaN stored as a number.
 */
export async function stepsArrow(trace: StepTrace | SpooledSteps, t: PoolTable, policyNames: string[]): Promise<Iterable<Uint8Array>> {
  const arrow = await import('apache-arrow');
  type Data = import('apache-arrow').Data;
  // explicit dictionary ids: arrow numbers them from a process-wide counter otherwise, so the bytes would
  // depend on what the process wrote before; one dictionary vector per column, so it is written once
  const dicts = [t.queryIds, policyNames, t.models.map((m) => m.id)].map((ids, id) => ({ type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), id), dictionary: arrow.vectorFromArray(ids, new arrow.Utf8()) }));
  const int32 = new arrow.Int32();
  const float64 = new arrow.Float64();
  const schema = new arrow.Schema([
    new arrow.Field('run', int32, false),
    new arrow.Field('step', int32, false),
    new arrow.Field('query_id', dicts[0].type, true),
    new arrow.Field('policy', dicts[1].type, true),
    new arrow.Field('model_id', dicts[2].type, true),
    new arrow.Field('reward', float64, false),
    new arrow.Field('regret', float64, false),
    new arrow.Field('cum_regret', float64, false),
    new arrow.Field('accuracy', float64, true),
    new arrow.Field('energy_j', float64, true),
  ]);
  const ints = (xs: Int32Array): Data => arrow.makeData({ type: int32, length: xs.length, nullCount: 0, data: xs });
  const dict = (k: number, codes: Int32Array): Data => arrow.makeData({ ...dicts[k], length: codes.length, data: codes });
  const floats = (xs: Float64Array): Data => arrow.makeData({ type: float64, length: xs.length, nullCount: 0, data: xs });
  // NaN (undefined) as null: a validity bit per row, 0 where the value is NaN
  const nullableFloats = (xs: Float64Array): Data => {
    let nulls = 0;
    for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i])) nulls++;
    if (nulls === 0) return floats(xs);
    const valid = new Uint8Array((xs.length + 7) >> 3);
    for (let i = 0; i < xs.length; i++) if (!Number.isNaN(xs[i])) valid[i >> 3] |= 1 << (i & 7);
    return arrow.makeData({ type: float64, length: xs.length, nullCount: nulls, nullBitmap: valid, data: xs });
  };
  const writer = new arrow.RecordBatchFileWriter();
  // the bytes the writer has queued so far (its queue keeps references to the batch's buffers, which a
  // spooled trace reuses for the next block); without that queue the file is taken whole at the end
  const queue = (writer as unknown as { _sink?: { _values?: unknown } })._sink?._values;
  const take = (): Uint8Array[] => (Array.isArray(queue) ? (queue.splice(0) as Uint8Array[]).map((c) => c.slice()) : []);
  function* chunks(): Generator<Uint8Array> {
    for (const st of traceBlocks(trace, t.nQueries)) {
      const children = [
        ints(st.run),
        ints(st.step),
        dict(0, st.query),
        dict(1, st.policy),
        dict(2, st.model),
        floats(st.reward),
        floats(st.regret),
        floats(st.cumRegret),
        nullableFloats(st.accuracy),
        nullableFloats(st.energyJ),
      ];
      // a record batch, not a table: a table written alone is a whole file and closes the writer
      writer.write(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: st.length, nullCount: 0, children })));
      yield* take();
    }
    writer.finish();
    if (Array.isArray(queue)) yield* take();
    else yield writer.toUint8Array(true);
  }
  return chunks();
}

interface Manifest {
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
  // the trace can take seconds to write: a Ctrl-C meanwhile must still stop at once
  if (res.steps && steps === 'csv') await dir.writeChunks('steps.csv', stepsCsv(res.steps, t, res.policyNames));
  if (res.steps && steps === 'arrow') await dir.writeChunks('steps.arrow', await stepsArrow(res.steps, t, res.policyNames));
  dir.write('manifest.json', toJson(manifest));
}
