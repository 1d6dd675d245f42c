/**
 * The width text output must fit: the terminal's less one column (a character in the last column makes some
 * terminals wrap), or Infinity when stdout is not a terminal, so piped output is never broken.
 */
export function stdoutWidth(): number {
  return process.stdout.isTTY ? (process.stdout.columns || 80) - 1 : Infinity;
}
