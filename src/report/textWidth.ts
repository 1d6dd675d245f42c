/**
 * Text widths for chart layout. Without a canvas, Vega estimates every character at 0.8 em, 30–40 % wider
 * than the DejaVu Sans the charts are drawn in: long titles widened charts with blank space at their right
 * (the report then shrank them), rotated labels left a band of white under the plot, and labels were dropped
 * or cut as if they overlapped. These are DejaVu Sans's advance widths (regular and bold, in 1/2048 em, read
 * from DejaVuSans.ttf and DejaVuSans-Bold.ttf 2.37), the widest of the chart's font stack, so text is never
 * measured narrower than it is drawn; a character not listed counts 0.8 em, as Vega would.
 */

const CHARS = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~λ–·§×−±→…≥εΣ∫∞√∈—²≤ᵏ─⅕₀⁵τα½¹é°μ≈’‘“”';
const REGULAR = [651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716, 1212, 1024, 651, 1024, 1716, 1716, 1716, 1716, 2048, 1716, 1107, 1294, 1067, 1706, 1305, 1784, 2048, 821, 1716, 872, 1233, 1985, 821, 821, 1233, 1350, 1985, 821, 1260, 1024, 1303, 1716, 651, 651, 1061, 1061];
const BOLD = [713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716, 1296, 1024, 778, 1024, 1716, 1716, 1716, 1716, 2048, 1716, 1140, 1399, 1249, 1706, 1366, 1836, 2048, 897, 1716, 998, 1233, 2120, 897, 897, 1307, 1407, 2120, 897, 1389, 1024, 1507, 1716, 778, 778, 1346, 1346];
const UNITS = 2048;
const UNKNOWN = 0.8;

const regular = new Map<string, number>();
const bold = new Map<string, number>();
[...CHARS].forEach((c, i) => {
  regular.set(c, REGULAR[i] / UNITS);
  bold.set(c, BOLD[i] / UNITS);
});

/** Width (px) of `text` in DejaVu Sans at `size` px, bold or not. */
export function dejaVuWidth(text: string, size: number, isBold = false): number {
  const table = isBold ? bold : regular;
  let em = 0;
  for (const c of text) em += table.get(c) ?? UNKNOWN;
  return em * size;
}

/** A Vega text item's font weight is bold: 'bold', 'bolder' or a weight of 600 and more. */
function boldWeight(w: unknown): boolean {
  return w === 'bold' || w === 'bolder' || (Number(w) >= 600);
}

/**
 * Vega's textMetrics.width for a text item: its width in DejaVu Sans. An item with a width limit is never
 * wider than the limit (Vega cuts it with an ellipsis to fit).
 */
export function vegaTextWidth(item: { fontSize?: number | null; fontWeight?: unknown; limit?: number | null }, text: unknown): number {
  const size = item.fontSize != null ? +item.fontSize || 0 : 11;
  const s = text == null ? '' : String(text).trim();
  const w = size <= 0 || !s ? 0 : dejaVuWidth(s, size, boldWeight(item.fontWeight));
  return item.limit != null && item.limit > 0 ? Math.min(w, item.limit) : w;
}
