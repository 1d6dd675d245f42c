/**
 * docs/experiments.md's series of splits against a real one (a few seconds; the single commands are in outputsDocCommands.e2e.test.ts):
 * splits.csv's columns and the object `--json` prints.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';
import { braceFields, columns, csvHeader, type Json, section } from '../helpers/docTables.js';

const doc = (p: string): string => readFileSync(resolve(__dirname, '../..', p), 'utf8').replace(/\s+/g, ' ');

it('a series of splits writes the documented splits.csv and prints the documented --json object', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-outdoc-series-'));
  writeFileSync(join(dir, 's.yaml'), 'name: s\nruns: 1\nlambdas: [0.5]\nsplit: [0.4, 0.6]\narms:\n  - policy: train-best-static\n  - policy: random\n');
  const r = await cliInProcess(['experiment', 'run', join(dir, 's.yaml'), '--no-charts', '--no-progress', '--out', join(dir, 'out'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const text = doc('docs/experiments.md');
  const lead = [.../`<out>\/splits\.csv` lists every split's protocol rows, led by (.*?);/.exec(text)![1].matchAll(/`(\w+)`/g)].map((m) => m[1]);
  const protocol = columns(/`protocol\.csv` holds the same rows \(`([^`]+)`/.exec(section(doc('docs/outputs.md'), '## `summary.json` under the train/test protocol (schemaVersion 2)'))![1]);
  expect(csvHeader(join(dir, 'out', 'splits.csv'))).toEqual([...lead, ...protocol]);
  const j = JSON.parse(r.stdout) as Json;
  const literal = /\(`--json`: `(\{schemaVersion: 1, kind: "splits"[^`]+\})`, `split` being `(\{[^`]+\})`/.exec(text)!;
  expect(j).toMatchObject({ schemaVersion: 1, kind: 'splits' });
  expect(Object.keys(j)).toEqual(braceFields(literal[1]).all);
  const member = braceFields(literal[1].slice(literal[1].indexOf('splits:') + 8)).all;
  for (const s of j.splits as Json[]) {
    expect(Object.keys(s)).toEqual(member);
    expect(Object.keys(s.split as Json)).toEqual(braceFields(literal[2]).all);
    expect((s.summary as Json).kind).toBe('experiment');
  }
}, 60_000);
