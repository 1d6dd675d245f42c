/** The ink dashboard (loaded only on a terminal: ink and React stay out of plain runs). */
import { Box, render, Text } from 'ink';
import { createElement as h, type ReactElement } from 'react';
import { dashboardLines, type LiveSnapshot } from './layout.js';

export function Dashboard({ snap, columns, rows }: { snap: LiveSnapshot; columns: number; rows: number }): ReactElement {
  return h(
    Box,
    { flexDirection: 'column' },
    ...dashboardLines(snap, columns, rows).map((line, i) =>
      h(
        Text,
        { key: i, wrap: 'truncate-end' },
        ...line.map((seg, j) => h(Text, { key: j, color: seg.color, dimColor: seg.dim, bold: seg.bold }, seg.text)),
      ),
    ),
  );
}

export function element(snap: LiveSnapshot, columns: number, rows: number): ReactElement {
  return h(Dashboard, { snap, columns, rows });
}

/** A single line of text (the summary left when the dashboard ends); empty renders nothing. */
export function textElement(text: string): ReactElement {
  return text ? h(Text, null, text) : h(Box, null);
}

export function mount(el: unknown, stream: NodeJS.WriteStream): { rerender(el: unknown): void; unmount(): void } {
  const inst = render(el as ReactElement, { stdout: stream, patchConsole: false, exitOnCtrlC: false });
  return { rerender: (e) => inst.rerender(e as ReactElement), unmount: () => inst.unmount() };
}
