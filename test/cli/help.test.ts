/** What every command's --help shows, from the full registration (in process, nothing spawned). */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';

function all(c: Command): Command[] {
  return [c, ...c.commands.flatMap(all)];
}

describe('--help', () => {
  it('a repeatable option shows no "(default: [])"; real defaults still show', async () => {
    const program = await buildProgram([], true);
    const helps = all(program).map((c) => [c.name(), c.helpInformation()] as const);
    // was "(default: [])" after --param, --policy-module, --family, --queries and --baseline
    for (const [name, text] of helps) expect(text, name).not.toContain('(default: [])');
    const simulate = helps.find(([n]) => n === 'simulate')![1];
    expect(simulate).toMatch(/--param <policy\.name=value> +policy hyperparameter, repeatable \(e\.g\.\s+linucb\.alpha=0\.2\)\n/);
    expect(simulate).toMatch(/--lambda <λ>[^]*\(default: "0\.5"\)/);
  });
});
