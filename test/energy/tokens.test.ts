import { describe, expect, it } from 'vitest';
import { countTokens as rawCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as rawO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { loadTokenizer, SLICE } from '../../src/data/energy/tokens.js';
import { UsageError } from '../../src/core/errors.js';
import { userErrorText } from '../../src/cli/errors.js';

describe('token counting', () => {
  it('gives the known cl100k and o200k counts', async () => {
    const cl = await loadTokenizer('cl100k');
    // cl100k_base: "hello world" = [15339, 1917]; the pangram is 10 tokens in both encodings
    expect(cl.count('hello world')).toBe(2);
    expect(cl.count('The quick brown fox jumps over the lazy dog.')).toBe(10);
    expect(cl.count('')).toBe(0);
    const o = await loadTokenizer('o200k');
    expect(o.count('hello world')).toBe(2);
    expect(o.count('The quick brown fox jumps over the lazy dog.')).toBe(10);
  });

  it('gives the counts (and token ids) OpenAI publishes for its encodings', async () => {
    // published examples of tiktoken's cl100k_base and o200k_base
    const cl = await loadTokenizer('cl100k');
    const o = await loadTokenizer('o200k');
    expect(rawCl100k('tiktoken is great!')).toBe(6);
    expect(cl.count('tiktoken is great!')).toBe(6);
    expect(o.count('tiktoken is great!')).toBe(6);
    expect(cl.count('antidisestablishmentarianism')).toBe(6);
    expect(cl.count('2 + 2 = 4')).toBe(7);
    expect(o.count('2 + 2 = 4')).toBe(7);
    const { encode: encCl } = await import('gpt-tokenizer/encoding/cl100k_base');
    const { encode: encO } = await import('gpt-tokenizer/encoding/o200k_base');
    expect(encCl('tiktoken is great!')).toEqual([83, 1609, 5963, 374, 2294, 0]);
    expect(encCl('antidisestablishmentarianism')).toEqual([519, 85342, 34500, 479, 8997, 2191]);
    expect(encO('tiktoken is great!')).toEqual([83, 8251, 2488, 382, 2212, 0]);
  });

  it('counts special-token strings in data as text instead of failing', async () => {
    const cl = await loadTokenizer('cl100k');
    // '<|endoftext|>' as plain text: '<', '|', 'endo', 'ft', 'ext', '|', '>'
    expect(cl.count('<|endoftext|>')).toBe(7);
  });

  it('counts long ordinary text exactly, slice by slice', async () => {
    const cl = await loadTokenizer('cl100k');
    const words = ['energy', 'routing', 'bandit', '  spaced', '\n\nnew paragraph', 'x=3.14;', "don't", 'naïve', '日本語', '🙂'];
    let text = '';
    for (let i = 0; text.length < 20 * SLICE; i++) text += words[(i * 7) % words.length] + (i % 5 === 0 ? '\n' : ' ');
    expect(cl.count(text)).toBe(rawCl100k(text));
    const o = await loadTokenizer('o200k');
    expect(o.count(text)).toBe(rawO200k(text));
  });

  it('counts hostile runs in bounded time', async () => {
    const cl = await loadTokenizer('cl100k');
    const t0 = Date.now();
    for (const s of ['a'.repeat(200_000), ' '.repeat(200_000), '!@#$%'.repeat(40_000), '\n'.repeat(200_000), '🙂'.repeat(100_000)]) {
      expect(cl.count(s)).toBeGreaterThan(0);
    }
    // unsliced, the first of these alone takes minutes
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('rejects an unknown encoding naming the option', async () => {
    await expect(loadTokenizer('p50k')).rejects.toThrow(UsageError);
    await expect(loadTokenizer('p50k')).rejects.toThrow(new UsageError("tokenizer: 'p50k' is not one of cl100k, o200k"));
    expect(userErrorText(await loadTokenizer('p50k').then(() => new Error('nothing thrown'), (e: Error) => e))).toBe("--tokenizer: 'p50k' is not one of cl100k, o200k");
  });
});
