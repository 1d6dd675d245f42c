/**
 * Stacking the columns of an HTML table that a narrow window (a laptop's half screen, about 800 px) could not
 * show side by side: each stacked table repeats the row labels and takes a group of the other columns.
 */

/**
 * Indices 0…n−1 in consecutive groups of at most `most`, as even as possible (the larger ones first): 11 at
 * most 6 is 6 and 5, 13 is 5, 4 and 4 (not 6, 6 and 1). One group when n ≤ most, none when n = 0.
 */
export function columnGroups(n: number, most: number): number[][] {
  if (n <= 0) return [];
  const k = Math.ceil(n / Math.max(1, most));
  const groups: number[][] = [];
  let at = 0;
  for (let g = 0; g < k; g++) {
    const size = Math.floor(n / k) + (g < n % k ? 1 : 0);
    groups.push(Array.from({ length: size }, (_, j) => at + j));
    at += size;
  }
  return groups;
}

/**
 * A table's headers and rows as stacked tables: the first `keep` columns in every one, the others in groups of at
 * most `most` (columnGroups).
 */
export function stackColumns(headers: string[], rows: string[][], keep: number, most: number): { headers: string[]; rows: string[][] }[] {
  const pick = (cells: string[], g: number[]): string[] => [...cells.slice(0, keep), ...g.map((j) => cells[keep + j])];
  return columnGroups(headers.length - keep, most).map((g) => ({ headers: pick(headers, g), rows: rows.map((r) => pick(r, g)) }));
}
