/**
 * Every option the docs name exists in the `--help` of the command they name it for (or of its parent or one of its subcommands),
 * and every option a command's `--help` lists is named somewhere in the docs for that command (or its parent or a subcommand).
 * The table rows that list the policy names (README's `--policies`, an experiment arm's `policy`) name every one `--help` lists.
 *
 * Heuristic: a `--option` token belongs to the `greenserv <command> [<subcommand>]` written before it on the
 * same line (or on the line a `\` continues); otherwise to the command of the nearest heading that names one
 * (`## Experiments: \`greenserv experiment run\``, up to the next heading); otherwise to the file's default command below. Lines of
 * code blocks that run another program (npm, vllm, …) are skipped. An option passes when the help of its
 * command, of that command's parent or of one of its subcommands lists it. OTHER_TOOLS lists the options of
 * other programs that prose mentions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { POLICY_NAMES } from '../../src/policies/registry.js';

const ROOT = resolve(__dirname, '../..');
const FILES = ['README.md', 'datasets/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Command of a file's lines that no heading or line attributes. */
const FILE_DEFAULT: Record<string, string> = {
  'README.md': 'simulate',
  'datasets/README.md': 'simulate',
  'docs/evaluate.md': 'evaluate',
  'docs/features.md': 'features',
  'docs/outputs.md': 'simulate',
  'docs/profile-models.md': 'profile-models',
  'docs/experiments.md': 'experiment run',
  'docs/model.md': 'simulate',
  'docs/limits.md': 'simulate',
  'docs/energy-model.md': 'energy attach',
  'docs/ope.md': 'ope',
  'docs/performance.md': 'simulate',
};

/** Options of other programs named in prose: [file, option, program]. */
const OTHER_TOOLS: [string, string, string][] = [
  ['README.md', '--only', 'npm run bench'],
  ['README.md', '--quick', 'npm run bench'],
  ['README.md', '--reference', 'npm run bench'],
  ['README.md', '--python', 'npm run bench'],
  ['docs/outputs.md', '--only', 'npm run bench'],
  ['docs/outputs.md', '--keep', 'npm run bench:large'],
  ['docs/outputs.md', '--reference', 'npm run bench'],
  ['docs/performance.md', '--only', 'npm run bench'],
  ['docs/performance.md', '--reference', 'npm run bench'],
  ['docs/performance.md', '--cpu-prof', 'node'],
  ['docs/outputs.md', '--mode', 'node scripts/profile-decisions.mjs'],
  ['README.md', '--cpu-prof', 'node'],
  ['README.md', '--expose-gc', 'node'],
  ['README.md', '--array', 'sbatch'],
  ['README.md', '--dependency', 'sbatch'],
  ['README.md', '--for', 'kubectl wait'],
  ['README.md', '--max-old-space-size', 'node'],
  ['docs/profile-models.md', '--port', 'vllm / llama-server'],
  ['docs/profile-models.md', '--served-model-name', 'vllm'],
  ['docs/profile-models.md', '--query-gpu', 'nvidia-smi'],
  ['docs/ope.md', '--reps', 'node experiments/ope-validation.mjs'],
  ['README.md', '--reps', 'node experiments/ope-validation.mjs'],
];

interface Mention {
  file: string;
  line: number;
  command: string;
  option: string;
}

const OPTION = /(?<![\w-])--[a-z][a-z0-9-]*/g;
const COMMAND = /greenserv ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/;

export function mentions(file: string, text: string, subcommands: Map<string, Set<string>>): Mention[] {
  const out: Mention[] = [];
  let section: string | null = null;
  let fence = false;
  let continued: string | null = null;
  const commandOf = (m: RegExpExecArray): string => (m[2] && subcommands.get(m[1])?.has(m[2]) ? `${m[1]} ${m[2]}` : m[1]);
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) {
      fence = !fence;
      continued = null;
      return;
    }
    if (!fence && line.startsWith('#')) {
      // a heading that names no command ends the previous heading's section
      const m = COMMAND.exec(line);
      section = m && subcommands.has(m[1]) ? commandOf(m) : null;
    }
    const m = COMMAND.exec(line);
    let command: string | null;
    let rest = line;
    if (m && subcommands.has(m[1])) {
      command = commandOf(m);
      rest = line.slice(m.index + m[0].length);
    } else if (fence) {
      // a code line that does not run greenserv runs something else, unless it continues a greenserv line
      command = continued;
    } else {
      command = section ?? FILE_DEFAULT[file] ?? 'simulate';
    }
    continued = fence && command !== null && line.trimEnd().endsWith('\\') ? command : null;
    if (command === null) return;
    for (const o of rest.matchAll(OPTION)) out.push({ file, line: i + 1, command, option: o[0] });
  });
  return out;
}

function find(program: Command, path: string): Command | null {
  let c: Command | null = program;
  for (const name of path.split(' ')) c = c?.commands.find((s) => s.name() === name) ?? null;
  return c;
}

describe('options named in the docs exist in --help', async () => {
  const program = await buildProgram([], true);
  const subcommands = new Map(program.commands.map((c) => [c.name(), new Set(c.commands.map((s) => s.name()))]));
  const all = FILES.flatMap((f) => mentions(f, readFileSync(join(ROOT, f), 'utf8'), subcommands));

  it('the scan finds the option tables and command lines (so the check has something to check)', () => {
    const simulate = new Set(all.filter((m) => m.command === 'simulate').map((m) => m.option));
    for (const o of ['--bounds', '--offline', '--policies', '--no-ui', '--steps']) expect(simulate).toContain(o);
    expect(all.filter((m) => m.command === 'experiment run').length).toBeGreaterThan(3);
    expect(all.filter((m) => m.command === 'profile-models').length).toBeGreaterThan(20);
  });

  it('attributes by line, continuation, heading and file (unit)', () => {
    const sub = new Map([
      ['simulate', new Set<string>()],
      ['datasets', new Set(['info'])],
    ]);
    const text = ['# Title', 'use --alpha here', '## `greenserv datasets info`', 'then --beta', '```sh', 'npx greenserv simulate --gamma \\', '  --delta', 'vllm serve --port 1', '```'].join('\n');
    expect(mentions('README.md', text, sub).map((m) => `${m.command}:${m.option}`)).toEqual(['simulate:--alpha', 'datasets info:--beta', 'simulate:--gamma', 'simulate:--delta']);
  });

  it('every documented option is in its command’s --help', () => {
    const missing: string[] = [];
    for (const m of all) {
      if (OTHER_TOOLS.some(([f, o]) => f === m.file && o === m.option)) continue;
      const cmd = find(program, m.command);
      if (!cmd) {
        missing.push(`${m.file}:${m.line}: no command '${m.command}'`);
        continue;
      }
      const help = [cmd, cmd.parent, ...cmd.commands].map((c) => (c ? c.helpInformation() : '')).join('\n');
      if (!new RegExp(`(?<![\\w-])${m.option}(?![\\w-])`).test(help)) missing.push(`${m.file}:${m.line}: ${m.option} is not in \`greenserv ${m.command} --help\``);
    }
    expect(missing).toEqual([]);
  });

  it('every option in a command’s --help is named in the docs for that command (or its parent or a subcommand)', () => {
    const undocumented: string[] = [];
    const walk = (cmd: Command, path: string[]): void => {
      for (const sub of cmd.commands) {
        if (sub.name() === 'help') continue;
        const name = [...path, sub.name()].join(' ');
        const related = new Set([name, path.join(' '), ...sub.commands.map((c) => `${name} ${c.name()}`)]);
        for (const o of sub.options) {
          if (!o.long || o.long === '--help') continue;
          if (!all.some((m) => m.option === o.long && related.has(m.command))) undocumented.push(`greenserv ${name} ${o.long}`);
        }
        walk(sub, [...path, sub.name()]);
      }
    };
    walk(program, []);
    expect(undocumented).toEqual([]);
  });

  it('the table rows that list the policies name every one `simulate --help` lists', () => {
    const rows: [string, string][] = [
      ['README.md', '| `--policies <list>` |'],
      ['docs/experiments.md', '| `arms[].policy` |'],
    ];
    const unnamed: string[] = [];
    for (const [file, start] of rows) {
      const row = readFileSync(join(ROOT, file), 'utf8').split('\n').find((l) => l.startsWith(start));
      expect(row, `${file}: ${start}`).toBeDefined();
      for (const name of POLICY_NAMES) if (!row!.includes(`\`${name}\``)) unnamed.push(`${file}: ${name}`);
    }
    expect(unnamed).toEqual([]);
  });

  it('a repeatable option shows no "(default: [])"; real defaults still show', () => {
    const every = (c: Command): Command[] => [c, ...c.commands.flatMap(every)];
    const helps = every(program).map((c) => [c.name(), c.helpInformation()] as const);
    // was "(default: [])" after --param, --policy-module, --family, --queries and --baseline
    for (const [name, text] of helps) expect(text, name).not.toContain('(default: [])');
    const simulate = helps.find(([n]) => n === 'simulate')![1];
    expect(simulate).toMatch(/--param <policy\.name=value> +policy hyperparameter, repeatable \(e\.g\.\s+linucb\.alpha=0\.2\)\n/);
    expect(simulate).toMatch(/--lambda <λ>[^]*\(default: "0\.5"\)/);
  });
});
