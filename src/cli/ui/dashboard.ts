/** The ink dashboard (loaded only on a terminal: ink and React stay out of plain runs). */
import { Box, render, Text } from 'ink';
import { createElement as h, type ReactElement } from 'react';
import { bar, formatEta, topModels, type LiveSnapshot } from './live.js';

export function Dashboard({ snap }: { snap: LiveSnapshot }): ReactElement {
  const width = Math.max(6, ...snap.rows.map((r) => r.label.length));
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, `${snap.title}  ${snap.done}/${snap.total} replays · ${formatEta(snap)}`),
    ...snap.rows.map((r) =>
      h(
        Box,
        { key: r.label },
        h(Text, null, r.label.padEnd(width + 2)),
        h(Text, { color: r.done >= r.total ? 'green' : 'cyan' }, bar(r.total ? r.done / r.total : 0, 20)),
        h(Text, null, ` ${String(r.done).padStart(3)}/${r.total}  `),
        h(Text, null, r.done ? `regret ${(r.regretSum / r.done).toFixed(1).padStart(7)}  ` : ' '.repeat(16)),
        h(Text, { dimColor: true }, topModels(r.selection, 3)),
      ),
    ),
  );
}

export function element(snap: LiveSnapshot): ReactElement {
  return h(Dashboard, { snap });
}

export function mount(snap: LiveSnapshot, stream: NodeJS.WriteStream): { rerender(el: unknown): void; unmount(): void } {
  const inst = render(element(snap), { stdout: stream, patchConsole: false, exitOnCtrlC: false });
  return { rerender: (el) => inst.rerender(el as ReactElement), unmount: () => inst.unmount() };
}
