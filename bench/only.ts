import { parseArgs } from 'node:util';
/** `--only a,b` / `--only=a,b` of `npm run bench`: the sections to run, or a usage error for an unknown name. */
export function parseOnly(argv: readonly string[], known: readonly string[]): { sections: Set<string> } | { error: string } {
  const i = argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return { sections: new Set(known) };
  const raw = argv[i] === '--only' ? argv[i + 1] : argv[i].slice('--only='.length);
  if (raw === undefined || raw === '' || raw.startsWith('--')) return { error: `--only: expected a comma-separated list of sections (${known.join(', ')})` };
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length || names.length === 0) return { error: `--only: unknown section '${unknown[0] ?? raw}'; sections: ${known.join(', ')}` };
  return { sections: new Set(names) };
}

/** Every argument must be one of `options` (node's own parser, strict): a typo is an error, not a silent default. */
export function checkArgs(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): string | null {
  try {
    parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}
