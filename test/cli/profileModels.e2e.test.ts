import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTable } from '../../src/data/load.js';
import { profileTerminal } from '../../src/report/profile.js';
import { sideFiles } from '../../src/profiling/live.js';
import { runSimulation } from '../../src/sim/run.js';
import { FIXTURE, answerFor, writePromptFile } from '../profiling/fixtures.js';
import { closedPortUrl, fakeNvidiaSmi, fakePowercap, runCli, startFakeServer, tempDir, type FakeServer } from '../profiling/helpers.js';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function rowsOf(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

describe('profile-models on a table', () => {
  it('prints the built-in pool profile with its Pareto front and best static model', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^greenserv-pool: 2500 queries × 16 models · 5 tasks · λ = 0\.5/);
    expect(r.stdout).toMatch(/accuracy ± 95% CI +J\/query +Wh\/query +J\/token +J\/correct +p50 s +p95 s +tok in +tok out/);
    expect(r.stdout).toMatch(/Pareto front \(accuracy vs J\/query, cheapest first\): qwen2\.5-0\.5b, /);
    expect(r.stdout).toMatch(/static baselines: largest yi-34b · smallest qwen2\.5-0\.5b · most accurate \S+ · best static at λ = 0\.5: phi-4-mini-4b/);
    expect(r.stdout).toMatch(/yi-34b is dominated by /);
  });

  it('--json prints the profile with models, pareto and bestStatic', async () => {
    const r = await runCli(['--json', '--lambda', '0.3']);
    expect(r.code).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.schemaVersion).toBe(1);
    expect(p.lambda).toBe(0.3);
    expect(p.models).toHaveLength(16);
    expect(p.pareto.length).toBeGreaterThan(1);
    // bestStatic: the model of highest mean reward at λ = 0.3, from the spec §2 formula computed here
    // (clip((1−λ)·acc + λ·(1 − e), 0, 1), e the J/token min–max normalised by the task bounds the built-in
    // pool supplies, docs/model.md §2.1; every cell of the pool is present)
    const t = await loadTable('greenserv-pool');
    const M = t.nModels;
    const perToken = (i: number): number => t.energyJ[i] / (t.inputTokens![i] + t.outputTokens![i]);
    const lo = t.tasks.map((k) => t.taskBounds.get(k)!.eptMin);
    const hi = t.tasks.map((k) => t.taskBounds.get(k)!.eptMax);
    const meanReward = t.models.map((_, m) => {
      let s = 0;
      for (let q = 0; q < t.nQueries; q++) {
        const i = q * M + m;
        const k = t.queryTask[q];
        s += Math.min(1, Math.max(0, 0.7 * t.accuracy[i] + 0.3 * (1 - (perToken(i) - lo[k]) / (hi[k] - lo[k]))));
      }
      return s / t.nQueries;
    });
    type Row = { id: string; meanReward: number; pareto: boolean; accuracy: { mean: number }; energyJ: number };
    const rows = p.models as Row[];
    rows.forEach((m, k) => {
      expect(m.id).toBe(t.models[k].id);
      expect(m.meanReward).toBeCloseTo(meanReward[k], 9);
    });
    expect(p.bestStatic).toBe(t.models[meanReward.indexOf(Math.max(...meanReward))].id);
    // pareto: the models no other model beats on accuracy without costing more energy per query (brute force), cheapest first
    const dominated = (a: Row): boolean => rows.some((b) => b !== a && b.accuracy.mean >= a.accuracy.mean && b.energyJ <= a.energyJ && (b.accuracy.mean > a.accuracy.mean || b.energyJ < a.energyJ));
    const front = rows.filter((a) => !dominated(a)).sort((a, b) => a.energyJ - b.energyJ);
    expect(p.pareto).toEqual(front.map((m) => m.id));
    expect(rows.filter((m) => m.pareto).map((m) => m.id).sort()).toEqual([...p.pareto].sort());
    for (const m of p.models) {
      expect(Object.keys(m.tasks)).toHaveLength(5);
      expect(m.accuracy.ci95[0]).toBeLessThanOrEqual(m.accuracy.mean);
      expect(m.energyWh * 3600).toBeCloseTo(m.energyJ, 9);
      expect(m.latencyS.p95).toBeGreaterThanOrEqual(m.latencyS.p50);
    }
  });

  it('--format with the built-in pool: a bad name and a format for a built-in are usage errors, as with a file', async () => {
    const bad = await runCli(['--format', 'bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^greenserv: error: unknown --format 'bogus' \(expected one of: csv, .*parquet/);
    const csv = await runCli(['--data', 'greenserv-pool', '--format', 'csv']);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toBe("greenserv: error: --format applies to files; the built-in dataset 'greenserv-pool' has no file format (drop --format)\n");
    expect(csv.stdout).toBe('');
  });

  it('fits an 80-column terminal: the model table keeps accuracy, J/query, reward and the front; the tasks go in blocks', async () => {
    const p = JSON.parse((await runCli(['--json'])).stdout);
    const wide = profileTerminal(p);
    const narrow = profileTerminal(p, 79);
    for (const line of narrow.split('\n')) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(narrow).toMatch(/^model +accuracy ± 95% CI +J\/query +reward λ=0\.5 +front \/ dominated$/m);
    expect(narrow).toMatch(/^yi-34b +0\.384 ± 0\.017 +634 +0\.4860 +by qwen2\.5-1\.5b \+4$/m);
    // every task is still there, in a second block with its own model column
    expect(narrow).toMatch(/^model +mmlu acc · J\/q +gsm8k acc · J\/q +hellaswag acc · J\/q$/m);
    expect(narrow).toMatch(/^model +winogrande acc · J\/q +cnn_dailymail acc · J\/q$/m);
    // the long lines break between words, continuations indented under their item
    expect(narrow).toMatch(/\n {2}yi-34b is dominated by qwen2\.5-1\.5b, phi-4-mini-4b, llama-3\.1-8b,\n {4}qwen2\.5-14b, gemma-3-12b\n/);
    expect(narrow.replace(/\n(?=best static|most accurate)/g, ' · ')).toMatch(/static baselines: largest yi-34b · smallest qwen2\.5-0\.5b · most accurate gemma-3-27b · best static/);
    // piped (no width): one line per model with every column, as before
    expect(wide).toMatch(/^model +params B +accuracy ± 95% CI +J\/query +Wh\/query +J\/token +J\/correct +p50 s +p95 s +tok in +tok out +reward λ=0\.5 +front \/ dominated$/m);
  });

  it('--out writes profile.json/csv, charts (SVG + PNG) and an HTML page, atomically', async () => {
    const dir = tempDir();
    const out = join(dir, 'prof');
    const r = await runCli(['--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['heatmap.png', 'heatmap.svg', 'pareto.png', 'pareto.svg', 'profile.csv', 'profile.html', 'profile.json']);
    expect(readFileSync(join(out, 'pareto.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'pareto.svg'), 'utf8')).toMatch(/Mean energy per query \(J, log scale\)/);
    expect(readFileSync(join(out, 'heatmap.svg'), 'utf8')).toMatch(/Mean accuracy/);
    expect(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')).bestStatic).toBe('phi-4-mini-4b');
    expect(readFileSync(join(out, 'profile.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 16 + 16 * 5);
    expect(readFileSync(join(out, 'profile.html'), 'utf8')).toMatch(/<section class="greenserv-profile">[\s\S]*<svg/);
    const again = await runCli(['--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists and is not empty; choose another --out or pass --force/);
    expect((await runCli(['--out', out, '--force'])).code).toBe(0);
  });

  it('--estimate-energy fills a table without energy and flags it', async () => {
    const dir = tempDir();
    const f = join(dir, 't.csv');
    writeFileSync(f, 'query_id,model_id,task,accuracy,input_tokens,output_tokens\nq1,small,mmlu,1,120,1\nq1,big,mmlu,1,120,1\nq2,small,gsm8k,0,90,200\nq2,big,gsm8k,1,90,150\n');
    const models = join(dir, 'm.csv');
    writeFileSync(models, 'model_id,params_b\nsmall,1\nbig,14\n');
    const plain = await runCli(['--data', f, '--models', models, '--json']);
    expect(JSON.parse(plain.stdout).pareto).toEqual([]);
    const r = await runCli(['--data', f, '--models', models, '--estimate-energy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/small\*/);
    expect(r.stdout).toMatch(/\* energy partly or wholly estimated/);
    expect(r.stdout).toMatch(/note: 4 cells carry estimated energy/);
    expect(r.stdout).toMatch(/Pareto front .*: small, big/);
  });

  it('--cost usd ranks a table with dollar costs and no energy', async () => {
    const dir = tempDir();
    const f = join(dir, 'rb.csv');
    writeFileSync(f, 'query_id,model_id,task,accuracy,cost_usd\nq1,cheap,arc,1,0.001\nq1,dear,arc,1,0.01\nq1,mid,arc,0,0.005\nq2,cheap,arc,0,0.001\nq2,dear,arc,1,0.01\nq2,mid,arc,0,0.005\n');
    const plain = await runCli(['--data', f]);
    expect(plain.stdout).toMatch(/no accuracy or energy for: cheap, dear, mid \(not ranked on the front; the table has dollar costs: try --cost usd\)/);
    const r = await runCli(['--data', f, '--cost', 'usd', '--json']);
    const p = JSON.parse(r.stdout);
    expect(p.cost).toBe('usd');
    expect(p.pareto).toEqual(['cheap', 'dear']);
    expect(p.dominated).toEqual([{ id: 'mid', by: ['cheap'] }]);
    // the file's 6-digit costs are stored as float32 (datasets/README.md, storage)
    expect(p.models[0].costUsd).toBeCloseTo(Math.fround(0.001), 12);
    const t = await runCli(['--data', f, '--cost', 'usd']);
    expect(t.stdout).toMatch(/Pareto front \(accuracy vs USD\/query, cheapest first\): cheap, dear/);
  });

  const bad: [string[], RegExp][] = [
    [['--lambda', '2'], /--lambda: must be in \[0, 1\], got '2'/],
    [['--lambda', 'x'], /--lambda: 'x' is not a number/],
    [['--model', 'x'], /--model applies to live profiling; add --endpoint <url>/],
    [['--concurrency', '4', '--energy', 'rapl'], /--concurrency, --energy apply to live profiling/],
    [['--data', '/nonexistent/table.csv'], /nonexistent/],
    [['--estimate-batch', '0'], /--estimate-batch: must be ≥ 1, got '0'/],
    [['--energy-model', 'gpu=TPU,batch=8'], /--energy-model: .*TPU/],
    [['--energy-model', 'gpu=H100,batch=32', '--estimate-energy'], /--energy-model replaces every energy value and --estimate-energy fills the missing ones/],
  ];
  it('--energy-model profiles the modelled energy: the same figures as the table `energy attach` writes, marked estimated', async () => {
    const dir = tempDir();
    const out = join(dir, 'pool.csv');
    const { main } = await import('../../src/cli/index.js');
    const code = await main(['node', 'greenserv', 'energy', 'attach', 'greenserv-pool', '--gpu', 'H100', '--batch', '32', '--overwrite', '--out', out]);
    expect(code).toBe(0);
    const side = sideFiles(out);
    const modelled = JSON.parse((await runCli(['--energy-model', 'gpu=H100,batch=32', '--json'])).stdout);
    const fromFile = JSON.parse((await runCli(['--data', out, '--queries', side.queries, '--models', side.models, '--json'])).stdout);
    const measured = JSON.parse((await runCli(['--json'])).stdout);
    for (let m = 0; m < modelled.models.length; m++) {
      expect(modelled.models[m].energyJ).toBeCloseTo(fromFile.models[m].energyJ, 6);
      expect(modelled.models[m].estimatedEnergyCells).toBe(modelled.models[m].n);
      expect(modelled.models[m].energyJ).not.toBeCloseTo(measured.models[m].energyJ, 3);
    }
  });

  for (const [args, re] of bad) {
    it(`exit 2: ${args.join(' ')}`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
    });
  }
});

describe('profile-models --endpoint (live)', () => {
  it('measures a served model into a table that simulate runs on', async () => {
    const dir = tempDir();
    writePromptFile(dir);
    const pc = fakePowercap();
    server = await startFakeServer({ answer: (p) => answerFor(p), during: () => pc.bump(4_000_000) });
    const out = join(dir, 'tiny.csv');
    const r = await runCli(['--endpoint', server.url, '--model', 'tiny', '--model-id', 'tiny-1b', '--params-b', '1', '--queries', dir, '--out', out, '--energy', 'rapl', '--powercap-dir', pc.dir, '--seed', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/6 new row\(s\) appended to .*tiny\.csv \(0 already there, 0 failed\) · energy: RAPL powercap counters package-0/);
    expect(r.stdout).toMatch(/simulate with: greenserv simulate --data .*tiny\.csv --queries .*tiny\.queries\.csv --models .*tiny\.models\.csv/);
    expect(r.stdout).toMatch(/tiny-1b +1 +0\.\d{3} ± /);
    expect(server.requests[0].body.seed).toBe(3);
    const rows = rowsOf(out);
    expect(rows).toHaveLength(6);
    expect(rows.every((x) => x[1] === 'tiny-1b' && Number(x[4]) === 4)).toBe(true);
    const side = sideFiles(out);
    const t = await loadTable(out, { queries: side.queries, models: side.models });
    const sim = await runSimulation(t, { policies: ['random', 'largest', 'smallest', 'best-static', 'oracle', 'linucb'], params: [], lambda: 0.5, runs: 1, seed: 40, semantics: 'paper', features: ['task', 'cluster', 'complexity'] });
    expect(sim.result.metrics[4][0].finalRegret).toBeCloseTo(0, 12);
    // re-running is a no-op
    const again = await runCli(['--endpoint', server.url, '--model', 'tiny', '--model-id', 'tiny-1b', '--queries', dir, '--out', out, '--energy', 'rapl', '--powercap-dir', pc.dir]);
    expect(again.stdout).toMatch(/0 new row\(s\) appended .* \(6 already there, 0 failed\)/);
    expect(server.requests).toHaveLength(6);
  });

  it('uses the API key from the environment, the chat API and a fake nvidia-smi on PATH', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 2));
    server = await startFakeServer({
      answer: (p, req) => (req.headers.authorization === 'Bearer env-key' ? answerFor(p) : { status: 401, body: '{"error":"bad key"}' }),
      delayMs: 250,
    });
    const oldPath = process.env.PATH;
    process.env.PATH = `${fakeNvidiaSmi()}:${oldPath}`;
    process.env.GREENSERV_API_KEY = 'env-key';
    process.env.FAKE_NVSMI_POWER = '300';
    try {
      const out = join(dir, 'gpu.csv');
      const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--out', out, '--api', 'chat', '--sample-hz', '20', '--no-progress']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/energy: nvidia-smi total_energy_consumption counter, GPU 0 \(Fake GPU 0\)/);
      expect(server.requests[0].path).toBe('/v1/chat/completions');
      for (const row of rowsOf(out)) {
        // ≈ 300 W over a ≈ 0.25 s request
        const e = Number(row[4]);
        const lat = Number(row[5]);
        expect(e / lat).toBeGreaterThan(300 * 0.7);
        expect(e / lat).toBeLessThan(300 * 1.3);
      }
    } finally {
      process.env.PATH = oldPath;
      delete process.env.GREENSERV_API_KEY;
      delete process.env.FAKE_NVSMI_POWER;
    }
  });

  it('meter not available: exit 2 with a hint, or run without energy when --energy-fallback none', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 2));
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const out = join(dir, 'nometer.csv');
    const base = ['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--nvidia-smi', join(dir, 'no-nvidia-smi')];
    const r = await runCli(base);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nvml: '.*no-nvidia-smi' not found on PATH .*Choose another --energy, or allow a fallback with --energy-fallback rapl\|none/);
    expect(existsSync(out)).toBe(false);
    expect(server.requests).toHaveLength(0);
    const ok = await runCli([...base, '--energy-fallback', 'none']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/warning: nvml: .* falling back to --energy-fallback none/);
    expect(rowsOf(out).every((x) => x[4] === '')).toBe(true);
    const rapl = await runCli(['--endpoint', server.url, '--model', 'm2', '--queries', dir, '--out', out, '--energy', 'rapl', '--powercap-dir', join(dir, 'absent')]);
    expect(rapl.code).toBe(2);
    expect(rapl.stderr).toMatch(/RAPL: .*absent does not exist/);
  });

  it('--idle-baseline measures idle power first and subtracts it from each request', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 3));
    const pc = fakePowercap();
    // 1 W idle draw all the time (by elapsed time, so a late timer under load adds what it missed), plus 2 J per request
    let last = Date.now();
    const idle = setInterval(() => {
      const now = Date.now();
      pc.bump((now - last) * 1000);
      last = now;
    }, 10);
    try {
      server = await startFakeServer({ answer: (p) => answerFor(p), during: () => pc.bump(2_000_000), delayMs: 150 });
      const base = ['--endpoint', server.url, '--model', 'm', '--queries', join(dir, 'prompts.csv'), '--energy', 'rapl', '--powercap-dir', pc.dir];
      const raw = await runCli([...base, '--out', join(dir, 'raw.csv')]);
      const net = await runCli([...base, '--out', join(dir, 'net.csv'), '--idle-baseline', '0.5']);
      expect(raw.code).toBe(0);
      expect(net.code).toBe(0);
      expect(net.stderr).toMatch(/idle baseline \d\.\d W over 0\.5 s/);
      for (const r of rowsOf(join(dir, 'raw.csv'))) expect(Number(r[4])).toBeGreaterThan(2.05);
      for (const r of rowsOf(join(dir, 'net.csv'))) expect(Math.abs(Number(r[4]) - 2)).toBeLessThan(0.08);
    } finally {
      clearInterval(idle);
    }
  });

  it('Ctrl-C during --idle-baseline ends the idle measurement at once: exit 130, no request sent', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 2));
    const pc = fakePowercap();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const before = new Set(process.listeners('SIGINT'));
    const t0 = Date.now();
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', join(dir, 'idle.csv'), '--energy', 'rapl', '--powercap-dir', pc.dir, '--idle-baseline', '30'], () => {
      setTimeout(() => {
        for (const l of process.listeners('SIGINT')) if (!before.has(l)) (l as () => void)();
      }, 300);
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.code).toBe(130);
    expect(r.stderr).not.toMatch(/idle baseline/);
    expect(server.requests).toHaveLength(0);
    expect(rowsOf(join(dir, 'idle.csv'))).toHaveLength(0);
  });

  it('unreachable endpoint: exit 2 and the table keeps its header', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 2));
    const out = join(dir, 'down.csv');
    const r = await runCli(['--endpoint', await closedPortUrl(), '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none', '--retries', '1', '--backoff', '0.01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/completions: connection refused — is the server running\? \(after 2 attempts\)\. 0 new row\(s\) appended to .*; re-run the same command to resume/);
    expect(readFileSync(out, 'utf8')).toBe('query_id,model_id,task,accuracy,energy_j,latency_s,input_tokens,output_tokens\n');
  });

  it('a server that breaks mid-run: the completed rows are kept, exit 2, and a re-run resumes', async () => {
    const dir = tempDir();
    writePromptFile(dir);
    let broken = false;
    server = await startFakeServer({ answer: (p, _r, n) => (broken || n > 3 ? ((broken = true), { status: 500, body: 'Internal Server Error' }) : answerFor(p)) });
    const out = join(dir, 'mid.csv');
    const args = ['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none', '--retries', '0'];
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP 500: Internal Server Error\. 3 new row\(s\) appended/);
    expect(rowsOf(out)).toHaveLength(3);
    broken = false;
    await server.close();
    server = await startFakeServer({ answer: (p) => answerFor(p) });
    const again = await runCli([...args.slice(0, 1), server.url, ...args.slice(2)]);
    expect(again.code).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(rowsOf(out).map((x) => x[0]).sort()).toEqual(FIXTURE.map((f) => f.id).sort());
  });

  it('HTTP 400 on one query, malformed JSON, empty completions', async () => {
    const dir = tempDir();
    writePromptFile(dir);
    server = await startFakeServer({
      answer: (p) => (p.includes('planet') ? { status: 400, body: '{"error":{"message":"maximum context length exceeded"}}' } : p.includes('2 + 2') ? '' : answerFor(p)),
    });
    const out = join(dir, 'partial.csv');
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none', '--json']);
    expect(r.code).toBe(0);
    // --json: the run's outcome beside the profile, versioned like every JSON output
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ schemaVersion: 1, live: { table: out, written: 5 }, profile: { schemaVersion: 1 } });
    expect(j.live.failed.map((f: { id: string }) => f.id)).toEqual(['mmlu_1']);
    expect(r.stderr).toMatch(/query mmlu_1 failed: .*HTTP 400: maximum context length exceeded/);
    expect(r.stderr).toMatch(/1 query\(ies\) failed and were not written \(mmlu_1\); re-run to retry them/);
    expect(r.stderr).toMatch(/1 completion\(s\) were empty \(scored as wrong\)/);
    expect(rowsOf(out)).toHaveLength(5);
    await server.close();
    server = await startFakeServer({ answer: () => ({ status: 200, body: '{"choices": [' }) });
    const m = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none', '--retries', '0']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/answered with malformed JSON: \{"choices": \[\. 0 new row\(s\)/);
    expect(rowsOf(out)).toHaveLength(5);
  });

  it('every query failing on a new table: exit 2 saying so, not a table error', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 3));
    server = await startFakeServer({ answer: () => ({ status: 400, body: '{"error":{"message":"too long"}}' }) });
    const out = join(dir, 'none.csv');
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/3 query\(ies\) failed and were not written \(mmlu_1, mmlu_2, winogrande_1\)/);
    expect(r.stderr).toMatch(new RegExp(`error: ${out.replace(/[.]/g, '\\.')}: no row to profile: 3 of 3 queries failed and none was written; re-run the same command to retry them\n$`));
    expect(readFileSync(out, 'utf8')).toBe('query_id,model_id,task,accuracy,energy_j,latency_s,input_tokens,output_tokens\n');
  });

  it('a timeout before any answer: one sentence ending in "?", not "?."', async () => {
    const dir = tempDir();
    writePromptFile(dir, FIXTURE.slice(0, 2));
    server = await startFakeServer({ answer: (p) => answerFor(p), delayMs: 1500 });
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', join(dir, 't.csv'), '--energy', 'none', '--timeout', '0.2', '--retries', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is --timeout long enough for this model\? 0 new row\(s\) appended/);
  });

  it('too many failed queries stop the run (--max-failures)', async () => {
    const dir = tempDir();
    writePromptFile(dir);
    server = await startFakeServer({ answer: () => ({ status: 422, body: 'bad' }) });
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', join(dir, 'f.csv'), '--energy', 'none', '--max-failures', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 queries failed \(more than --max-failures 1\)/);
  });

  it('SIGINT keeps every completed row; the next run completes the rest', async () => {
    const dir = tempDir();
    writePromptFile(dir);
    server = await startFakeServer({ answer: (p) => answerFor(p), delayMs: 120 });
    const out = join(dir, 'int.csv');
    const args = ['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none'];
    const before = new Set(process.listeners('SIGINT'));
    const r = await runCli(args, () => {
      const poll = setInterval(() => {
        if (!existsSync(out) || rowsOf(out).length < 2) return;
        clearInterval(poll);
        // call only the command's own handler, not the test runner's
        for (const l of process.listeners('SIGINT')) if (!before.has(l)) (l as () => void)();
      }, 5);
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: \d new row\(s\) appended to .*; re-run the same command to resume/);
    const kept = rowsOf(out).length;
    // the count said is the rows the new file holds
    expect(Number(r.stderr.match(/interrupted: (\d+) new row/)![1])).toBe(kept);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(6);
    expect(process.listeners('SIGINT').filter((l) => !before.has(l))).toHaveLength(0);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(rowsOf(out)).toHaveLength(6);
  });

  it('SIGTERM stops as Ctrl-C does: the completed rows are kept, a message, exit 143', async () => {
    const dir = tempDir();
    writePromptFile(dir);
    server = await startFakeServer({ answer: (p) => answerFor(p), delayMs: 120 });
    const out = join(dir, 'term.csv');
    const before = new Set(process.listeners('SIGTERM'));
    const r = await runCli(['--endpoint', server.url, '--model', 'm', '--queries', dir, '--out', out, '--energy', 'none'], () => {
      const poll = setInterval(() => {
        if (!existsSync(out) || rowsOf(out).length < 1) return;
        clearInterval(poll);
        for (const l of process.listeners('SIGTERM')) if (!before.has(l)) (l as (s: string) => void)('SIGTERM');
      }, 5);
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/interrupted \(SIGTERM\) — finishing the rows already received/);
    expect(r.stderr).toMatch(/interrupted: \d new row\(s\) appended to .*; re-run the same command to resume/);
    expect(rowsOf(out).length).toBeGreaterThanOrEqual(1);
    expect(rowsOf(out).length).toBeLessThan(6);
    expect(Number(r.stderr.match(/interrupted: (\d+) new row/)![1])).toBe(rowsOf(out).length);
    expect(process.listeners('SIGTERM').filter((l) => !before.has(l))).toHaveLength(0);
  });

  const badLive: [(dir: string) => string[], RegExp][] = [
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--queries', d, '--out', join(d, 'x.csv')], /--endpoint needs --model/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--out', join(d, 'x.csv')], /--endpoint needs --queries/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d], /--endpoint needs --out/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.parquet'), '--energy', 'none'], /live profiling writes a long-format \.csv table/],
    [(d) => ['--endpoint', 'localhost:8000', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--energy', 'none'], /must be an http\(s\) URL/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--data', 'greenserv-pool'], /--data applies to profiling a table/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--sample-hz', '2'], /--sample-hz: must be ≥ 10 .*got '2'/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--estimate-energy', '--energy', 'none'], /--estimate-energy in live mode needs --params-b/],
    // longer than a timer can hold (2^31 ms): it would fire at once
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--timeout', '1e7'], /--timeout: must be at most 86400 seconds \(a day\), got '1e7'/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--connect-timeout', '3e6'], /--connect-timeout: must be at most 86400 seconds/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--idle-baseline', '1e9'], /--idle-baseline: must be at most 86400 seconds/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--energy', 'rapl', '--powercap-dir', join(d, 'prompts.csv')], /RAPL: .*prompts\.csv is not a directory \(--powercap-dir names the powercap root\)/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--tasks', 'poetry'], /--tasks: no queries of task poetry/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', d, '--out', join(d, 'x.csv'), '--tasks', ' , ,'], /--tasks: no task named/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', join(d, 'prompts.csv'), '--out', join(d, 'prompts.csv', 'x.csv'), '--energy', 'none'], /--out '.*prompts\.csv\/x\.csv': '.*prompts\.csv' is a file, not a directory, so the table cannot be created there\n$/],
    [(d) => ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', join(d, 'other', 'noref.csv'), '--out', join(d, 'x.csv')], /lacks column\(s\) reference, needed to score the answers/],
    [(d) => (mkdirSync(join(d, 'dir.csv')), ['--endpoint', 'http://127.0.0.1:1/v1', '--model', 'm', '--queries', join(d, 'prompts.csv'), '--out', join(d, 'dir.csv'), '--energy', 'none']), /dir\.csv: cannot write the table or its side files: EISDIR/],
  ];
  for (const [mk, re] of badLive) {
    it(`exit 2: ${re.source.slice(0, 50)}`, async () => {
      const dir = tempDir();
      writePromptFile(dir);
      mkdirSync(join(dir, 'other'));
      writeFileSync(join(dir, 'other', 'noref.csv'), 'query_id,task,text\nq,mmlu,hi\n');
      const r = await runCli(mk(dir));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
    });
  }
});
