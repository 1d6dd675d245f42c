/** The fuzz runners' command lines: --help prints the options and exits 0; a bad option still exits 2. */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = resolve(__dirname, '../../dist/fuzz');
const run = (script: string, args: string[]) => spawnSync(process.execPath, [join(DIST, script), ...args], { encoding: 'utf8', timeout: 30_000 });

describe('fuzz runners: --help', () => {
  for (const [script, tool, option] of [['run.js', 'fuzz', '--format'], ['configs.js', 'fuzz:configs', '--target']] as const) {
    it(`${script} --help and -h print usage to stdout and exit 0, running nothing`, () => {
      for (const flag of ['--help', '-h']) {
        const r = run(script, [flag]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^usage: node dist/fuzz/${script.replace('.', '\\.')} `));
        for (const o of ['--iterations', '--seed', '--jobs', '--failures', option]) expect(r.stdout).toContain(o);
        expect(r.stderr).toBe('');
      }
    });

    it(`${script}: an unknown option is still exit 2, pointing at --help`, () => {
      const r = run(script, ['--bogus']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^${tool}: Unknown option '--bogus'.* \\(--help lists the options\\)\\n$`));
      expect(r.stdout).toBe('');
    });
  }
});
