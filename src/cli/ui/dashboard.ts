/** The ink dashboard (loaded only on a terminal: ink and React stay out of plain runs). */
import { Box, render, Text } from 'ink';
import { createElement as h, type ReactElement } from 'react';
import type { Line } from './layout.js';

/** The lines of a laid-out dashboard; `plain` (NO_COLOR) leaves out colour, dimming and bold. */
function Dashboard({ lines, plain }: { lines: Line[]; plain: boolean }): ReactElement {
  return h(
    Box,
    { flexDirection: 'column' },
    ...lines.map((line, i) =>
      h(
        Text,
        { key: i, wrap: 'truncate-end' },
        ...line.map((seg, j) => (plain ? seg.text : h(Text, { key: j, color: seg.color, dimColor: seg.dim, bold: seg.bold }, seg.text))),
      ),
    ),
  );
}

export function element(lines: Line[], plain: boolean): ReactElement {
  return h(Dashboard, { lines, plain });
}

/** A single line of text (the summary left when the dashboard ends); empty renders nothing. */
export function textElement(text: string): ReactElement {
  return text ? h(Text, null, text) : h(Box, null);
}

export interface Mounted {
  rerender(el: unknown): void;
  unmount(): void;
}

export function mount(el: unknown, stream: NodeJS.WriteStream): Mounted {
  const inst = render(el as ReactElement, { stdout: stream, patchConsole: false, exitOnCtrlC: false });
  return { rerender: (e) => inst.rerender(e as ReactElement), unmount: () => inst.unmount() };
}
