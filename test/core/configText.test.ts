/**
 * Config texts are bounded in items before any YAML parse: a file of a few million values is refused at once,
 * naming the line where the count passes the bound, instead of after minutes and gigabytes of parsing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { checkConfigText, MAX_CONFIG_ITEMS } from '../../src/core/readFile.js';
import { throwsDataError as refusal } from '../helpers/errors.js';
import { parseExperiment } from '../../src/sim/experimentConfig.js';
import { readBoundsFile } from '../../src/data/formats/bounds.js';

/** `head`, then `n` items of `0,` on lines of 1,000, then `tail`: n commas and n / 1000 line breaks. */
function manyItems(head: string, n: number, tail: string): string {
  const line = '0,'.repeat(1000);
  return head + `${line}\n`.repeat(n / 1000) + tail;
}

describe('config text item bound', () => {
  it('holds exactly at the bound and refuses one item more, at the line the count passes it', () => {
    // items counted by hand: each line of the body has 1,000 commas and one line break
    const body = `${'a,'.repeat(999)}\n`; // 999 commas + 1 break = 1,000 items
    const atBound = body.repeat(MAX_CONFIG_ITEMS / 1000);
    expect(() => checkConfigText(atBound, 'x.yaml')).not.toThrow();
    const e = refusal(() => checkConfigText(`${atBound},`, 'x.yaml'));
    expect(e.message).toBe(`x.yaml:${MAX_CONFIG_ITEMS / 1000 + 1}: more than ${MAX_CONFIG_ITEMS} items (commas and line breaks) up to this line; a config file holds at most ${MAX_CONFIG_ITEMS} (see docs/limits.md)`);
    // a lone CR is a line break too; CRLF is one
    expect(() => checkConfigText(body.replaceAll('\n', '\r\n').repeat(MAX_CONFIG_ITEMS / 1000), 'x.yaml')).not.toThrow();
    expect(refusal(() => checkConfigText(`${atBound}\r`, 'x.yaml')).line).toBe(MAX_CONFIG_ITEMS / 1000 + 2);
  });

  it('an experiment of three million λ values is refused by the bound, before the schema sees it', () => {
    // the head has 3 line breaks; body line k (file line 3 + k) ends at 3 + 1001·k items, so the 1,000th comma of
    // body line 999 (999,001 + 1,000) is the first item past the bound: file line 1002
    const text = manyItems('name: x\narms: [{policy: linucb}]\nlambdas: [\n', 3_000_000, ']\n');
    const e = refusal(() => parseExperiment(text, 'big.yaml'));
    expect(e.message).toMatch(/^big\.yaml:1002: more than 1000000 items/);
  });

  it('so is a YAML bounds file', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'gs-cfgtext-')), 'bounds.yaml');
    // one line break in the head: body line k (file line 1 + k) ends at 1 + 1001·k items; line 999 ends at
    // exactly 1,000,000, so the first comma of file line 1001 passes the bound
    writeFileSync(f, manyItems('qa: [\n', 2_000_000, ']\n'));
    await expect(readBoundsFile(f)).rejects.toThrow(/bounds\.yaml:1001: more than 1000000 items/);
  });
});

describe('config text nesting', () => {
  // the YAML parser recurses per level; past its stack it threw the engine's "Maximum call stack size exceeded"
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;

  it('an experiment nested thousands of levels deep is refused as too deeply nested, at its line', () => {
    const e = refusal(() => parseExperiment(`name: x\nlambdas: ${deep(5000)}\n`, 'deep.yaml'));
    expect(e.message).toMatch(/^deep\.yaml:2: invalid YAML: nested too deeply/);
    expect(e.message).not.toMatch(/call stack/);
  });

  it('so is a YAML/JSON bounds file', async () => {
    const f = join(mkdtempSync(join(tmpdir(), 'gs-cfgdepth-')), 'bounds.json');
    writeFileSync(f, `{"qa": ${deep(5000)}}`);
    await expect(readBoundsFile(f)).rejects.toThrow(/^.*bounds\.json:1: not valid YAML\/JSON: nested too deeply/);
    await expect(readBoundsFile(f)).rejects.not.toThrow(/call stack/);
  });
});
