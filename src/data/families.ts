/**
 * Eval families: RouterBench labels every prompt with an `eval_name` (57 `mmlu-<subject>` names, `hellaswag`,
 * `arc-challenge`, …). Contexts and AIQ work per family (RouterBench reports AIQ per benchmark, GreenServ
 * Table 1 averages over them), so the names are mapped to families by ordered glob rules; user rules come
 * first and override the defaults. Also: concatenating tables read from several files of one dataset.
 */
import { DataError, UsageError } from '../core/errors.js';
import { makePoolTable, type ModelInfo, type PoolTable, type QueryEmbedding } from './pool.js';
import { sameNumber as sameDouble, MERGE_TOLERANCE } from './formats/wide.js';
import { valueAt } from './columns.js';

interface FamilyRule {
  /** Glob over the eval name, case-insensitive: `*` any run of characters, `?` one character. */
  pattern: string;
  family: string;
}

/**
 * Default mapping. Each benchmark keeps its own family; spelling variants seen in RouterBench-derived files
 * (`winograde`, `grade-school-math`, `mtbench`) join the canonical name. Names no rule matches are their own family.
 */
export const DEFAULT_FAMILY_RULES: readonly FamilyRule[] = [
  { pattern: 'mmlu', family: 'mmlu' },
  { pattern: 'mmlu-*', family: 'mmlu' },
  { pattern: 'mmlu_*', family: 'mmlu' },
  { pattern: 'mmlu.*', family: 'mmlu' },
  { pattern: 'hellaswag*', family: 'hellaswag' },
  { pattern: 'winogrande*', family: 'winogrande' },
  { pattern: 'winograde*', family: 'winogrande' },
  { pattern: 'arc-challenge*', family: 'arc-challenge' },
  { pattern: 'arc_challenge*', family: 'arc-challenge' },
  { pattern: 'gsm8k*', family: 'gsm8k' },
  { pattern: 'grade-school-math*', family: 'gsm8k' },
  { pattern: 'mbpp*', family: 'mbpp' },
  { pattern: 'mt-bench*', family: 'mt-bench' },
  { pattern: 'mtbench*', family: 'mt-bench' },
  { pattern: 'mt_bench*', family: 'mt-bench' },
  { pattern: 'rag*', family: 'rag' },
  { pattern: '*-rag', family: 'rag' },
];

function globRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Parse `--family <pattern=family>` values; the pattern may not be empty, nor the family. */
export function parseFamilyRules(raw: readonly string[]): FamilyRule[] {
  return raw.map((r) => {
    const eq = r.lastIndexOf('=');
    const pattern = eq > 0 ? r.slice(0, eq).trim() : '';
    const family = eq > 0 ? r.slice(eq + 1).trim() : '';
    if (!pattern || !family) throw new UsageError(`bad --family '${r}': expected <eval-name glob>=<family>, e.g. 'mmlu-*=mmlu' or 'arc-*=reasoning'`);
    return { pattern, family };
  });
}

export class FamilyMapper {
  private readonly rules: { re: RegExp; family: string }[];
  private readonly cache = new Map<string, string>();

  /** User rules are tried before the defaults (set `defaults` false to use only the user's). */
  constructor(user: readonly FamilyRule[] = [], defaults = true) {
    this.rules = [...user, ...(defaults ? DEFAULT_FAMILY_RULES : [])].map((r) => ({ re: globRegex(r.pattern), family: r.family }));
  }

  familyOf(evalName: string): string {
    let f = this.cache.get(evalName);
    if (f === undefined) {
      f = this.rules.find((r) => r.re.test(evalName))?.family ?? evalName;
      this.cache.set(evalName, f);
    }
    return f;
  }
}

interface FamilyMapping {
  /** The table with tasks replaced by families (metric arrays shared with the input, not copied). */
  table: PoolTable;
  /** Family → the eval names it groups, sorted, in the table's family order. */
  members: Map<string, string[]>;
}

/**
 * A copy of `t` whose task of each query is its eval family. Columns are shared (read-only use); per-task
 * bounds are recomputed for the new tasks.
 */
export function remapTasks(t: PoolTable, mapper: FamilyMapper): FamilyMapping {
  const queryTasks = new Array<string>(t.nQueries);
  const members = new Map<string, Set<string>>();
  for (let q = 0; q < t.nQueries; q++) {
    const name = t.tasks[t.queryTask[q]];
    const f = mapper.familyOf(name);
    queryTasks[q] = f;
    let s = members.get(f);
    if (!s) members.set(f, (s = new Set()));
    s.add(name);
  }
  const table = makePoolTable({
    name: t.name,
    queryIds: t.queryIds,
    queryTasks,
    queryText: t.queryText,
    cluster: t.cluster,
    complexity: t.complexity,
    models: t.models,
    accuracy: t.accuracy,
    energyJ: t.energyJ,
    latencyS: t.latencyS,
    inputTokens: t.inputTokens,
    outputTokens: t.outputTokens,
    costUsd: t.costUsd,
    present: t.present,
    // rows keep their order, so the embedding rows stay with their queries
    ...(t.embedding ? { embedding: t.embedding } : {}),
  });
  const ordered = new Map<string, string[]>();
  for (const f of table.tasks) ordered.set(f, [...members.get(f)!].sort());
  return { table, members: ordered };
}

/**
 * Concatenate tables of one dataset (e.g. the train and test files of a split). Models are matched by id
 * (the union, in order of first appearance); a query id seen in several tables is merged cell by cell, as
 * RouterBench splits some prompts over two rows with complementary empty cells. A cell filled in two
 * tables must agree within a relative MERGE_TOLERANCE (the files may round differently); a real conflict
 * is an error naming the metric and both values.
 */
export function concatTables(tables: readonly PoolTable[], name: string, files?: readonly string[], warn?: (msg: string) => void): PoolTable {
  if (tables.length === 0) throw new UsageError('no table to concatenate');
  if (tables.length === 1) return tables[0];
  const sameNumber = sameNumberFor(tables);
  const models: ModelInfo[] = [];
  const modelIdx = new Map<string, number>();
  for (const t of tables) {
    for (const m of t.models) {
      if (!modelIdx.has(m.id)) {
        modelIdx.set(m.id, models.length);
        models.push(m);
      }
    }
  }
  const M = models.length;
  const ids: string[] = [];
  const where = new Map<string, number>();
  const tasks: string[] = [];
  const texts: (string | null)[] = [];
  const cluster: number[] = [];
  const complexity: number[] = [];
  const origin: number[] = [];
  for (let k = 0; k < tables.length; k++) {
    const t = tables[k];
    for (let q = 0; q < t.nQueries; q++) {
      const id = t.queryIds[q];
      if (where.has(id)) continue;
      where.set(id, ids.length);
      ids.push(id);
      tasks.push(t.tasks[t.queryTask[q]]);
      texts.push(t.queryText ? t.queryText[q] : null);
      cluster.push(t.cluster[q]);
      complexity.push(t.complexity[q]);
      origin.push(k);
    }
  }
  const Q = ids.length;
  const n = Q * M;
  const cols = ['accuracy', 'energyJ', 'latencyS', 'inputTokens', 'outputTokens'] as const;
  const out: Record<(typeof cols)[number], Float64Array> = {
    accuracy: new Float64Array(n).fill(Number.NaN),
    energyJ: new Float64Array(n).fill(Number.NaN),
    latencyS: new Float64Array(n).fill(Number.NaN),
    inputTokens: new Float64Array(n).fill(Number.NaN),
    outputTokens: new Float64Array(n).fill(Number.NaN),
  };
  const anyCost = tables.some((t) => t.costUsd !== null);
  const cost = anyCost ? new Float64Array(n).fill(Number.NaN) : null;
  const present = new Uint8Array(n);
  const metricNames: Record<(typeof cols)[number] | 'costUsd', string> = {
    accuracy: 'accuracy',
    energyJ: 'energy_j',
    latencyS: 'latency_s',
    inputTokens: 'input_tokens',
    outputTokens: 'output_tokens',
    costUsd: 'cost_usd',
  };
  for (let k = 0; k < tables.length; k++) {
    const t = tables[k];
    const map = t.models.map((m) => modelIdx.get(m.id)!);
    for (let q = 0; q < t.nQueries; q++) {
      const qq = where.get(t.queryIds[q])!;
      for (let m = 0; m < t.nModels; m++) {
        const i = q * t.nModels + m;
        if (!t.present[i]) continue;
        const j = qq * M + map[m];
        if (present[j]) {
          let metric: (typeof cols)[number] | 'costUsd' | null = cols.find((c) => !sameNumber(out[c][j], valueAt(t[c], i))) ?? null;
          const y = metric ? valueAt(t[metric], i) : t.costUsd ? t.costUsd[i] : Number.NaN;
          if (!metric && cost !== null && !sameNumber(cost[j], y)) metric = 'costUsd';
          if (metric) {
            const x = metric === 'costUsd' ? cost![j] : out[metric][j];
            const a = files?.[origin[qq]] ?? `table ${origin[qq] + 1}`;
            throw new DataError(
              `query '${t.queryIds[q]}', model '${models[map[m]].id}': ${metricNames[metric]} is ${y} here but ${x} in ${a} ` +
                `(values from two files must agree within a relative ${MERGE_TOLERANCE})`,
              files?.[k],
              undefined,
              metricNames[metric],
            );
          }
          continue;
        }
        present[j] = 1;
        for (const c of cols) out[c][j] = valueAt(t[c], i);
        if (cost) cost[j] = t.costUsd ? t.costUsd[i] : Number.NaN;
      }
    }
  }
  countUnscoredConflicts(tables, where, modelIdx, M, present, { ...out, costUsd: cost }, name, warn);
  const embedding = concatEmbeddings(tables, ids, where, origin, name, files, warn);
  return makePoolTable({
    name,
    queryIds: ids,
    queryTasks: tasks,
    queryText: tables.every((t) => t.queryText === null) ? null : texts,
    cluster: Int32Array.from(cluster),
    complexity: Float64Array.from(complexity),
    models,
    accuracy: out.accuracy,
    energyJ: out.energyJ,
    // columns no table has stay absent
    latencyS: tables.some((t) => t.latencyS) ? out.latencyS : null,
    inputTokens: tables.some((t) => t.inputTokens) ? out.inputTokens : null,
    outputTokens: tables.some((t) => t.outputTokens) ? out.outputTokens : null,
    costUsd: cost,
    present,
    ...(embedding ? { embedding } : {}),
  });
}

/**
 * The concatenated table's embedding: each query's row from the first table listing it. Kept only when every
 * table has one of the same width (else dropped, with a warning saying which files differ); a query listed in
 * two tables must have the same embedding in both, within MERGE_TOLERANCE, as its metrics must.
 */
function concatEmbeddings(
  tables: readonly PoolTable[],
  ids: readonly string[],
  where: Map<string, number>,
  origin: readonly number[],
  name: string,
  files?: readonly string[],
  warn?: (msg: string) => void,
): QueryEmbedding | undefined {
  if (!tables.some((t) => t.embedding)) return undefined;
  const label = (k: number): string => files?.[k] ?? `table ${k + 1}`;
  const dim = tables[0].embedding?.dim;
  if (dim === undefined || tables.some((t) => t.embedding?.dim !== dim)) {
    const what = tables.map((t, k) => `${label(k)}: ${t.embedding ? `${t.embedding.dim} values` : 'none'}`).join(', ');
    warn?.(`${name}: the files' embeddings differ (${what}); the combined table has no embedding`);
    return undefined;
  }
  const values = new Float64Array(ids.length * dim);
  const filled = new Uint8Array(ids.length);
  tables.forEach((t, k) => {
    const e = t.embedding!.values;
    for (let q = 0; q < t.nQueries; q++) {
      const r = where.get(t.queryIds[q])!;
      const row = e.subarray(q * dim, (q + 1) * dim);
      if (!filled[r]) {
        values.set(row, r * dim);
        filled[r] = 1;
        continue;
      }
      for (let j = 0; j < dim; j++) {
        const x = values[r * dim + j];
        if (!sameDouble(x, row[j])) {
          throw new DataError(
            `query '${t.queryIds[q]}': embedding value ${j} is ${row[j]} here but ${x} in ${label(origin[r])} ` +
              `(a query in two files must have the same embedding, within a relative ${MERGE_TOLERANCE})`,
            files?.[k],
          );
        }
      }
    }
  });
  return { dim, values };
}

const METRIC_FIELDS = ['accuracy', 'energyJ', 'latencyS', 'inputTokens', 'outputTokens', 'costUsd'] as const;

/**
 * Equal within MERGE_TOLERANCE; when some table stores a metric as float32 (src/data/columns.ts), values
 * that are the same float32 are equal too.
 */
function sameNumberFor(tables: readonly PoolTable[]): (a: number, b: number) => boolean {
  const narrow = tables.some((t) => [t.accuracy, t.energyJ, t.latencyS, t.inputTokens, t.outputTokens, t.costUsd].some((c) => c instanceof Float32Array));
  return narrow ? (a, b) => sameDouble(a, b) || Math.fround(a) === Math.fround(b) : sameDouble;
}

/**
 * Values a table gave for cells without a score, where another table holds the score and a different value
 * (a prompt split across two files): they were discarded, as within one file; say how many.
 */
function countUnscoredConflicts(
  tables: readonly PoolTable[],
  where: Map<string, number>,
  modelIdx: Map<string, number>,
  M: number,
  present: Uint8Array,
  merged: Record<(typeof METRIC_FIELDS)[number], Float64Array | null>,
  name: string,
  warn?: (msg: string) => void,
): void {
  const counts = new Array<number>(METRIC_FIELDS.length).fill(0);
  const sameNumber = sameNumberFor(tables);
  for (const t of tables) {
    const u = t.unscored;
    if (!u) continue;
    for (let e = 0; e < u.cell.length; e++) {
      const q = Math.floor(u.cell[e] / t.nModels);
      const j = where.get(t.queryIds[q])! * M + modelIdx.get(t.models[u.cell[e] % t.nModels].id)!;
      const col = merged[METRIC_FIELDS[u.metric[e]]];
      if (!present[j] || !col || Number.isNaN(col[j])) continue;
      if (!sameNumber(col[j], u.value[e])) counts[u.metric[e]]++;
    }
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return;
  const names = ['accuracy', 'energy_j', 'latency_s', 'input_tokens', 'output_tokens', 'cost_usd'];
  const by = counts.map((c, k) => [names[k], c] as const).filter(([, c]) => c > 0);
  warn?.(
    `${name}: ${total} value(s) (${by.map(([n, c]) => `${n}: ${c}`).join(', ')}) in rows without a score for the model differ from ` +
      `the scored row of the same query in another file and were discarded; metrics come from the row that holds the score`,
  );
}
