/**
 * The files a run reads, as the user named them: a results directory that holds one is never replaced, and
 * an output file is never one of them (core/outputGuard.ts). Built-in names and hf:// URIs may be listed;
 * they match no path.
 */

/** The sizes file of an --energy-model spec (`models=<csv>`), if it names one. */
export function energyModelSizes(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  return /(?:^|,)\s*models=([^,]+)/.exec(spec)?.[1]?.trim() || undefined;
}

/** The given paths and lists of paths, flattened, without the absent ones. */
export function inputFiles(...paths: (string | readonly string[] | undefined)[]): string[] {
  return paths.flatMap((p) => (p === undefined ? [] : typeof p === 'string' ? [p] : [...p])).filter((p) => p !== '');
}
