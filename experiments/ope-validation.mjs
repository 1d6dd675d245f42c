// Validation of the off-policy estimators against the truth of full-information tables (docs/ope.md,
// "Validation"). For each table (the built-in pool; the shared RouterBench rows when present), each logging
// policy (uniform, ε-greedy at ε = 0.1, a skewed softmax) and each log size, it simulates logs with exact
// propensities, estimates the value of several target policies with every estimator and compares each
// estimate with the target's true value over the whole table: bias, RMSE and the coverage of the 95 %
// bootstrap interval over repetitions. It also checks each estimate's difference from the logged mean
// (docs/ope.md, "Better than the logging policy?"): how often its paired interval covers the true difference
// (the target's value on the logged contexts minus the log's mean reward), over all logs and over the logs
// where the estimate is unflagged, and how often a policy's verdict is wrong.
//
//   npm run build && node experiments/ope-validation.mjs [--reps 20] [--bootstrap 200] [--out results/ope-validation.json]
//
// The reward is the default one at λ = 0.5. Runs in a few minutes on two cores.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const lib = (p) => import(join(ROOT, 'dist/src', p));
const [{ loadTable }, { contextFeatures }, { loadRouterbench }, { loadLogs }, { writeLogFile }, { encodeContexts }, { prepareOpe }, { runOpe }, { ESTIMATOR_NAMES }, { resolvePolicies, loadPolicyModule }, { simulate }, { LogRecorder, logColumns }, { buildRewards }, { writeFileAtomic }, trust] =
  await Promise.all(['data/load.js', 'app/evaluate.js', 'app/routerbenchSource.js', 'data/logs.js', 'data/logWrite.js', 'features/context.js', 'metrics/ope/setup.js', 'metrics/ope/run.js', 'metrics/ope/estimators.js', 'policies/registry.js', 'sim/engine.js', 'sim/logRecorder.js', 'sim/reward.js', 'core/atomic.js', 'metrics/ope/trust.js'].map(lib));
const CRITERIA = { minEss: trust.MIN_ESS, minSupport: trust.MIN_SUPPORT };
/** As the table's flags column: the policy's flags (dm does not carry low-ess) and the estimate's own. */
const flagged = (p, e, pflags) => pflags.some((f) => !(f === 'low-ess' && e.estimator === 'dm')) || trust.estimateFlags(e, [0, 1]).length > 0;

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const REPS = Number(arg('--reps', '20'));
const BOOTSTRAP = Number(arg('--bootstrap', '200'));
const OUT = arg('--out', join(ROOT, 'results/ope-validation.json'));
const SIZES = [500, 2500, 10000];
const LAMBDA = 0.5;
const FEATURES = ['task', 'cluster', 'complexity'];
const TARGETS = ['random', 'best-static', 'most-accurate'];

await loadPolicyModule(join(ROOT, 'examples/policies/softmax.mjs'));
const LOGGERS = [
  { name: 'uniform', policy: 'random', params: [] },
  { name: 'epsilon-greedy 0.1', policy: 'epsilon-greedy', params: ['epsilon-greedy.epsilon=0.1', 'epsilon-greedy.decay=1', 'epsilon-greedy.minEpsilon=0.1'] },
  { name: 'skewed softmax', policy: 'softmax-example', params: ['softmax-example.temperature=0.02'] },
];

const tables = [{ name: 'greenserv-pool', table: await loadTable('greenserv-pool') }];
const RB = resolve(ROOT, '../shared/data/routerbench');
if (existsSync(RB)) {
  const { table } = await loadRouterbench([join(RB, 'arc_challenge_test.csv'), join(RB, 'winograde_test.csv')], { warn: () => {} });
  tables.push({ name: 'routerbench (arc-challenge + winogrande test rows)', table });
} else console.error(`note: ${RB} not found; the RouterBench part is skipped`);

const tmp = mkdtempSync(join(tmpdir(), 'greenserv-ope-validation-'));
const results = [];
const wrongVerdicts = [];
const verdicts = { better: 0, worse: 0, indistinguishable: 0, 'no-evidence': 0 };
const started = Date.now();
try {
  for (const { name: dataset, table } of tables) {
    const features = contextFeatures(table, [...FEATURES], 'thresholds', () => {});
    const contexts = encodeContexts(table, { layout: 'paper', features });
    const rw = await buildRewards(table, { lambda: LAMBDA });
    const Q = table.nQueries;
    const models = table.models.map((m) => m.id);
    const targets = resolvePolicies(TARGETS, [], table.models);

    /** Log of `logger`: `size` decisions from ceil(size/Q) runs of the stream (each run a new query order). */
    async function makeLog(logger, size, seed) {
      const runs = Math.ceil(size / Q);
      const rec = new LogRecorder(Q, runs);
      simulate(table, contexts, rw, { runs, seed, semantics: 'paper', oracle: 'pool', policies: resolvePolicies([logger.policy], logger.params, table.models), recorders: [rec] });
      const file = join(tmp, 'log.csv');
      await writeLogFile(file, logColumns(rec, table, contexts), size);
      return loadLogs(file, { models });
    }
    async function evaluate(log, seed) {
      const data = await prepareOpe(log, table, { lambda: LAMBDA, lambdaGiven: true, semantics: 'paper', features });
      for (const m of [...data.values.keys()]) if (m !== 'reward') data.values.delete(m);
      const observed = trust.observedMeans(data.values).reward;
      return Object.assign(runOpe(data, targets, { estimators: [...ESTIMATOR_NAMES], seed, resamples: BOOTSTRAP, semantics: 'paper' }), { observed });
    }
    // true values over the whole table: a log with every query once gives each target's value on all of them
    const truth = Object.fromEntries((await evaluate(await makeLog(LOGGERS[0], Q, 1), 1)).map((r) => [r.name, r.truth.reward]));
    for (const logger of LOGGERS) {
      for (const size of SIZES) {
        const acc = new Map();
        for (let rep = 0; rep < REPS; rep++) {
          const seed = 1000 + 97 * rep + size;
          const res = await evaluate(await makeLog(logger, size, seed), seed);
          for (const p of res) {
            const pflags = trust.policyFlags(p, CRITERIA);
            // the true difference: the target's value on the logged contexts minus the log's own mean
            const dt = p.truth.reward - res.observed;
            const v = trust.policyVerdict(trust.evidenceOf(p, pflags, [0, 1])).result;
            if ((v === 'better' && !(dt > 0)) || (v === 'worse' && !(dt < 0))) wrongVerdicts.push(`${dataset} · ${logger.name} · ${size} · ${p.name}: ${v}, true difference ${dt.toFixed(4)}`);
            verdicts[v]++;
            for (const e of p.estimates) {
              const key = `${p.name}\u0000${e.estimator}`;
              const a = acc.get(key) ?? { target: p.name, estimator: e.estimator, err: [], covered: 0, maxWeight: 0, diffCovered: 0, trusted: 0, trustedCovered: 0 };
              const t = truth[p.name];
              a.err.push(e.value - t);
              if (e.lo <= t && t <= e.hi) a.covered++;
              const inside = e.vsLogged.lo <= dt && dt <= e.vsLogged.hi;
              if (inside) a.diffCovered++;
              if (!flagged(p, e, pflags)) {
                a.trusted++;
                if (inside) a.trustedCovered++;
              }
              a.maxWeight = Math.max(a.maxWeight, p.diagnostics.maxWeight);
              acc.set(key, a);
            }
          }
        }
        for (const a of acc.values()) {
          const n = a.err.length;
          const finite = a.err.filter(Number.isFinite);
          const bias = finite.reduce((s, x) => s + x, 0) / finite.length;
          const rmse = Math.sqrt(finite.reduce((s, x) => s + x * x, 0) / finite.length);
          results.push({ dataset, logger: logger.name, size, target: a.target, estimator: a.estimator, truth: truth[a.target], reps: n, bias, rmse, coverage: a.covered / n, maxWeight: a.maxWeight, diffCoverage: a.diffCovered / n, unflagged: a.trusted, diffCoverageUnflagged: a.trusted > 0 ? a.trustedCovered / a.trusted : null });
        }
        console.error(`${dataset} · ${logger.name} · ${size}: done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const summary = { kind: 'ope-validation', lambda: LAMBDA, reps: REPS, bootstrap: BOOTSTRAP, sizes: SIZES, targets: TARGETS, loggers: LOGGERS.map((l) => l.name), results, verdicts, wrongVerdicts };
writeFileAtomic(OUT, JSON.stringify(summary, null, 2) + '\n');

// Markdown: per dataset, logger and size, each estimator averaged over the targets (|bias| and RMSE as means, coverage pooled).
const f = (x, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const lines = [];
for (const { name: dataset } of tables) {
  lines.push(`\n${dataset} (reward at λ = ${LAMBDA}; ${REPS} logs per cell; mean over targets ${TARGETS.join(', ')})\n`);
  lines.push(`| logger | decisions | ${ESTIMATOR_NAMES.map((e) => `${e} bias / RMSE / cover`).join(' | ')} |`);
  lines.push(`|---|---:|${ESTIMATOR_NAMES.map(() => '---:').join('|')}|`);
  for (const l of LOGGERS) {
    for (const size of SIZES) {
      const cells = ESTIMATOR_NAMES.map((e) => {
        const rows = results.filter((r) => r.dataset === dataset && r.logger === l.name && r.size === size && r.estimator === e);
        const bias = rows.reduce((s, r) => s + Math.abs(r.bias), 0) / rows.length;
        const rmse = rows.reduce((s, r) => s + r.rmse, 0) / rows.length;
        const cover = rows.reduce((s, r) => s + r.coverage, 0) / rows.length;
        return `${f(bias, 3)} / ${f(rmse, 3)} / ${(100 * cover).toFixed(0)}%`;
      });
      lines.push(`| ${l.name} | ${size.toLocaleString('en')} | ${cells.join(' | ')} |`);
    }
  }
}
// The paired difference from the logged mean: its coverage over the unflagged estimates (their count in brackets), pooled over targets.
for (const { name: dataset } of tables) {
  lines.push(`\n${dataset}: coverage of the true difference from the logged mean by the paired 95% interval, unflagged estimates only (how many of ${REPS * TARGETS.length})\n`);
  lines.push(`| logger | decisions | ${ESTIMATOR_NAMES.join(' | ')} |`);
  lines.push(`|---|---:|${ESTIMATOR_NAMES.map(() => '---:').join('|')}|`);
  for (const l of LOGGERS) {
    for (const size of SIZES) {
      const cells = ESTIMATOR_NAMES.map((e) => {
        const rows = results.filter((r) => r.dataset === dataset && r.logger === l.name && r.size === size && r.estimator === e);
        const k = rows.reduce((s, r) => s + r.unflagged, 0);
        const c = rows.reduce((s, r) => s + (r.diffCoverageUnflagged ?? 0) * r.unflagged, 0);
        return k > 0 ? `${((100 * c) / k).toFixed(0)}% (${k})` : '– (0)';
      });
      lines.push(`| ${l.name} | ${size.toLocaleString('en')} | ${cells.join(' | ')} |`);
    }
  }
}
const nv = Object.values(verdicts).reduce((s, x) => s + x, 0);
lines.push(`\nverdicts over ${nv} (log, target) pairs: ${Object.entries(verdicts).map(([k, x]) => `${k} ${x}`).join(', ')}; wrong (better or worse against the true sign): ${wrongVerdicts.length}`);
for (const w of wrongVerdicts) lines.push(`  ${w}`);
process.stdout.write(lines.join('\n') + `\n\n(${((Date.now() - started) / 1000).toFixed(0)} s; per-target rows in ${OUT})\n`);
