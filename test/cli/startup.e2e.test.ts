/**
 * Start-up: `--version` and `--help` load no subcommand module and `simulate --help` none of the run's heavy
 * dependencies (timings are in `npm run bench`, section startup). Spawns the built binary; build first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_SUMMARIES } from '../../src/cli/index.js';

const BIN = resolve(__dirname, '../../bin/greenserv');
const HEAVY = ['ink', 'react', 'mathjs', 'vega', 'vega-lite', 'apache-arrow', 'hyparquet', '@resvg', 'cli-progress', 'csv-parse', 'zod', 'yaml', 'jstat'];

/** Every module URL the CLI loads for these arguments (a resolve hook logs them), and its stdout. */
function loaded(args: string[]): { modules: string[]; stdout: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'gs-startup-'));
  const log = join(dir, 'modules.log');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  writeFileSync(log, '');
  const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  // a module imported from two places is resolved twice but loaded once
  return { modules: [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))], stdout: r.stdout, status: r.status };
}

const ours = (mods: string[]): string[] => mods.filter((u) => u.includes('/dist/src/')).map((u) => u.replace(/^.*\/dist\/src\//, ''));
const packages = (mods: string[]): string[] => [...new Set(mods.filter((u) => u.includes('/node_modules/')).map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)![1]))];

describe('start-up (built binary)', () => {
  it('--version loads only the version module', () => {
    for (const args of [['--version'], ['-V']]) {
      const r = loaded(args);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')).version}\n`);
      expect(ours(r.modules)).toEqual(['app/version.js']);
      expect(packages(r.modules)).toEqual([]);
    }
  });

  it('--help loads only the entry point and commander', () => {
    // helpLayout.js: the help's layout, commander only
    for (const args of [['--help'], [], ['help']]) {
      const r = loaded(args);
      // no command at all is a usage mistake (exit 2), its help on stderr
      expect(r.status).toBe(args.length === 0 ? 2 : 0);
      expect(ours(r.modules).sort()).toEqual(['app/version.js', 'cli/errors.js', 'cli/helpLayout.js', 'cli/index.js', 'cli/say.js', 'core/errors.js', 'core/escape.js', 'core/format.js', 'core/messages.js']);
      expect(packages(r.modules)).toEqual(['commander']);
    }
  });

  it('simulate --help loads the option declarations, not the run or its heavy dependencies', () => {
    const r = loaded(['simulate', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--bounds <file>');
    const mods = ours(r.modules);
    expect(mods).toContain('cli/simulate.js');
    for (const m of ['cli/simulateRun.js', 'data/load.js', 'sim/run.js', 'core/atomic.js', 'cli/ui/dashboard.js']) expect(mods).not.toContain(m);
    for (const p of HEAVY) expect(packages(r.modules)).not.toContain(p);
  });

  it('the top-level help built from the summaries is the one the full registration gives', async () => {
    const light = await buildProgram(['node', 'greenserv', '--help']);
    const full = await buildProgram([], true);
    expect(light.helpInformation()).toBe(full.helpInformation());
    expect(Object.keys(COMMAND_SUMMARIES)).toEqual(full.commands.map((c) => c.name()));
  });

  it('`help <command>` shows that command’s options', () => {
    const r = spawnSync(process.execPath, [BIN, 'help', 'simulate'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: greenserv simulate \[options\]/);
    expect(r.stdout).toContain('--policies <list>');
  });
});
