/**
 * The scale-out examples: the Kubernetes manifests and the GitHub Actions workflow are parsed and the
 * fields greenserv relies on are checked (Indexed Job, index → --shard, one shard count everywhere, one
 * shared volume, the merge after the shards); the Indexed Job's and merge Job's own shell commands are then
 * run here, pod by pod, and must give the unsharded results. kubectl (when installed) parses the manifests
 * too; the Slurm scripts are checked by bash -n here and run on a real cluster by scripts/slurm-e2e.sh.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runExperiment } from '../../src/app/experiment.js';
import { buildProgram } from '../../src/cli/index.js';
import { files } from '../helpers/files.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/greenserv');

/** A parsed manifest (checked field by field below). */
type Doc = any;

function docs(file: string): Doc[] {
  const all = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'));
  for (const d of all) expect(d.errors, file).toEqual([]);
  return all.map((d) => d.toJS());
}

/** Every `greenserv <command> [<sub>] … --option` in a shell text names an option that command has. */
async function checkFlags(text: string, where: string): Promise<number> {
  const program = await buildProgram([], true);
  const find = (names: string[]): Command | undefined => {
    let c: Command | undefined = program;
    for (const n of names) {
      const next: Command | undefined = c?.commands.find((x) => x.name() === n);
      if (!next) break;
      c = next;
    }
    return c === program ? undefined : c;
  };
  let n = 0;
  for (const line of text.split('\n')) {
    const m = /greenserv ([a-z-]+)(?: ([a-z-]+))?(.*)$/.exec(line);
    if (!m) continue;
    const cmd = find([m[1], m[2]].filter(Boolean) as string[]);
    expect(cmd, `${where}: greenserv ${m[1]}`).toBeDefined();
    const known = new Set(cmd!.options.flatMap((o) => [o.long, o.short].filter(Boolean) as string[]));
    for (const flag of m[3].match(/(?<![\w-])--[a-z][a-z-]*/g) ?? []) {
      expect(known.has(flag), `${where}: greenserv ${cmd!.name()} ${flag}`).toBe(true);
      n++;
    }
  }
  return n;
}

const env = (c: Doc): Record<string, string> => Object.fromEntries((c.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));

/** A directory with a `greenserv` on PATH (this checkout's) and a small experiment, as a pod or task sees it. */
function sandbox(prefix: string): { dir: string; bin: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'greenserv'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'greenserv'), 0o755);
  writeFileSync(join(dir, 'small.yaml'), 'name: k8s-small\ndataset: greenserv-pool\nruns: 2\nseed: 9\nlambdas: [0.4]\narms:\n  - policy: linucb\n  - policy: random\n  - policy: smallest\n');
  return { dir, bin };
}

/**
 * A task stopped after its shard directory was moved into place but before its checkpoint was removed leaves
 * both; `run` (the example's own shard command) must still finish, with the shard's bytes, when retried.
 */
function retriedAfterWrite(out: string, run: () => { status: number | null; stderr: string }): void {
  const first = run();
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
  const jobs = readFileSync(join(out, 'jobs.ndjson'));
  mkdirSync(`${out}.partial`);
  writeFileSync(join(`${out}.partial`, 'state.json'), readFileSync(join(out, 'state.json')));
  writeFileSync(join(`${out}.partial`, 'jobs.ndjson'), jobs.subarray(0, jobs.indexOf(10) + 1));
  const again = run();
  expect(again.stderr).toBe('');
  expect(again.status).toBe(0);
  expect(readFileSync(join(out, 'jobs.ndjson')).equals(jobs)).toBe(true);
  expect(existsSync(`${out}.partial`)).toBe(false);
}

describe('examples/k8s', () => {
  const [pvc] = docs('examples/k8s/pvc.yaml');
  const [shards] = docs('examples/k8s/shards-job.yaml');
  const [merge] = docs('examples/k8s/merge-job.yaml');
  const shardPod = shards.spec.template.spec;
  const mergePod = merge.spec.template.spec;

  it('an Indexed Job whose index and completions become --shard i/n, and a merge Job over the same volume', async () => {
    expect(shards).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed' } });
    expect(merge).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    expect(pvc).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' });
    expect(pvc.spec.accessModes).toContain('ReadWriteMany');
    const n = shards.spec.completions;
    expect(Number.isInteger(n) && n >= 1).toBe(true);
    expect(shards.spec.parallelism).toBeLessThanOrEqual(n);
    for (const pod of [shardPod, mergePod]) {
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.containers).toHaveLength(1);
      // the shard directories live on the shared claim, mounted where the commands write and read
      expect(pod.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: pvc.metadata.name } }]);
      expect(pod.containers[0].volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
    }
    const [s] = shardPod.containers;
    const [m] = mergePod.containers;
    expect(env(s).GREENSERV_SHARD_COUNT).toBe(String(n));
    expect(env(m)).toEqual(env(s));
    expect(s.args.join('\n')).toContain('--shard "$JOB_COMPLETION_INDEX/$GREENSERV_SHARD_COUNT"');
    expect(await checkFlags(s.args.join('\n'), 'shards-job.yaml')).toBeGreaterThan(3);
    expect(await checkFlags(m.args.join('\n'), 'merge-job.yaml')).toBeGreaterThan(0);
  });

  it("the pods' commands, run one by one on a small experiment, merge into the unsharded results", async () => {
    const { dir, bin } = sandbox('gs-k8s-');
    const volume = join(dir, 'volume');
    mkdirSync(volume);
    const n = shards.spec.completions as number;
    const podEnv = (c: Doc, extra: Record<string, string>): NodeJS.ProcessEnv => ({ ...process.env, ...env(c), GREENSERV_EXPERIMENT: 'small.yaml', PATH: `${bin}:${process.env.PATH}`, ...extra });
    // the manifests' /results is the claim's mount point; here it is a temporary directory
    const script = (c: Doc): string => (c.args as string[]).join('\n').replaceAll('/results', volume);
    for (let i = 0; i < n; i++) {
      const r = spawnSync('/bin/sh', ['-c', script(shardPod.containers[0])], { cwd: dir, env: podEnv(shardPod.containers[0], { JOB_COMPLETION_INDEX: String(i) }), encoding: 'utf8' });
      expect(r.stderr, `pod ${i}`).toBe('');
      expect(r.status, `pod ${i}`).toBe(0);
    }
    const r = spawnSync('/bin/sh', ['-c', script(mergePod.containers[0])], { cwd: dir, env: podEnv(mergePod.containers[0], {}), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ref = join(dir, 'ref');
    await runExperiment(join(dir, 'small.yaml'), { out: ref, workers: 1 });
    const merged = join(volume, 'small.yaml');
    expect(files(merged)).toEqual(files(ref));
    for (const f of files(ref)) expect(readFileSync(join(merged, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
  }, 120_000);

  it('a pod retried after writing its shard but before removing its checkpoint completes', () => {
    const { dir, bin } = sandbox('gs-k8s-retry-');
    const c = shardPod.containers[0];
    const volume = join(dir, 'volume');
    mkdirSync(volume);
    const script = (c.args as string[]).join('\n').replaceAll('/results', volume);
    const podEnv = { ...process.env, ...env(c), GREENSERV_EXPERIMENT: 'small.yaml', PATH: `${bin}:${process.env.PATH}`, JOB_COMPLETION_INDEX: '0' };
    const out = join(volume, `small.yaml.shards/shard-0-of-${env(c).GREENSERV_SHARD_COUNT}`);
    retriedAfterWrite(out, () => spawnSync('/bin/sh', ['-c', script], { cwd: dir, env: podEnv, encoding: 'utf8' }));
  }, 60_000);

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  it.runIf(kubectl.status === 0)('kubectl parses the manifests (client side, no cluster)', () => {
    for (const [f, name] of [['pvc.yaml', 'persistentvolumeclaim/greenserv-results'], ['shards-job.yaml', 'job.batch/greenserv-shards'], ['merge-job.yaml', 'job.batch/greenserv-merge']]) {
      const r = spawnSync('kubectl', ['label', '--local', '--dry-run=client', '-f', join(ROOT, 'examples/k8s', f), 'checked=yes', '-o', 'name'], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr, f).toBe('');
      expect(r.stdout.trim()).toBe(name);
    }
  });
  if (kubectl.status !== 0) console.warn('examples/k8s: kubectl is not installed; the manifests are checked by the test alone');
});

describe('examples/github-actions', () => {
  const [wf] = docs('examples/github-actions/sharded-experiment.yml');

  it('a matrix job per shard 0…SHARDS-1 uploading its shard directory, and a merge job that needs them', async () => {
    const n = wf.env.SHARDS as number;
    expect(wf.jobs.shard.strategy.matrix.shard).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(wf.jobs.merge.needs).toBe('shard');
    const steps = wf.jobs.shard.steps as Doc[];
    const run = steps.find((s) => typeof s.run === 'string' && s.run.includes('--shard')).run as string;
    expect(run).toContain('--shard "${{ matrix.shard }}/$SHARDS" --out "shards/shard-${{ matrix.shard }}-of-$SHARDS"');
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact'));
    expect(upload.with.path).toBe('shards/shard-${{ matrix.shard }}-of-${{ env.SHARDS }}');
    expect(upload.with.name).toBe('shard-${{ matrix.shard }}');
    const mergeSteps = wf.jobs.merge.steps as Doc[];
    const download = mergeSteps.find((s) => String(s.uses).startsWith('actions/download-artifact'));
    expect(download.with).toMatchObject({ pattern: 'shard-*', path: 'downloaded' });
    const mergeRun = mergeSteps.find((s) => typeof s.run === 'string' && s.run.includes('greenserv merge')).run as string;
    expect(mergeRun).toContain('dirs+=("downloaded/shard-$i")');
    expect(await checkFlags(run + '\n' + mergeRun, 'sharded-experiment.yml')).toBeGreaterThan(3);
  });
});

describe('examples/slurm', () => {
  it('an array task requeued after writing its shard but before removing its checkpoint completes', () => {
    const { dir, bin } = sandbox('gs-slurm-retry-');
    const taskEnv = { ...process.env, GREENSERV: join(bin, 'greenserv'), GREENSERV_EXPERIMENT: 'small.yaml', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_ID: '1' };
    const out = join(dir, 'results/small.yaml.shards/shard-1-of-2');
    retriedAfterWrite(out, () => spawnSync('bash', [join(ROOT, 'examples/slurm/shard.sbatch')], { cwd: dir, env: taskEnv, encoding: 'utf8' }));
  }, 60_000);

  it('the scripts parse, the array task id becomes --shard and the merge waits for afterok', async () => {
    for (const f of ['shard.sbatch', 'merge.sbatch', 'submit.sh']) {
      const r = spawnSync('bash', ['-n', join(ROOT, 'examples/slurm', f)], { encoding: 'utf8' });
      expect(r.stderr, f).toBe('');
      expect(r.status, f).toBe(0);
    }
    const shard = readFileSync(join(ROOT, 'examples/slurm/shard.sbatch'), 'utf8');
    expect(shard).toMatch(/^#SBATCH --array=0-\d+$/m);
    expect(shard).toContain('--shard "$I/$N"');
    expect(readFileSync(join(ROOT, 'examples/slurm/submit.sh'), 'utf8')).toContain('--dependency="afterok:$array"');
    const text = ['shard.sbatch', 'merge.sbatch'].map((f) => readFileSync(join(ROOT, 'examples/slurm', f), 'utf8').replaceAll('$GREENSERV ', 'greenserv ')).join('\n');
    expect(await checkFlags(text, 'examples/slurm')).toBeGreaterThan(3);
  });
});
