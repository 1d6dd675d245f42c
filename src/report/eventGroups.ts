/**
 * Events at one step (a price change of several models, one drift per task) share their window, so their
 * regret figures are the same: the terminal and the report show them as one event, with one table and one chart.
 */
export interface EventGroup {
  step: number;
  /** Indices into the event list, in list order. */
  members: number[];
  /** Every change, `; `-separated, for tables and headings. */
  what: string;
  /** For chart titles and labels: the first change and how many more. */
  short: string;
}

/** Changes a heading lists at most; the rest are counted (an experiment may hold 1,000 drift events at one step). */
const MAX_LISTED = 10;

export function eventGroups(list: readonly { step: number; what: string }[]): EventGroup[] {
  const byStep = new Map<number, number[]>();
  list.forEach((e, k) => {
    const members = byStep.get(e.step);
    if (members) members.push(k);
    else byStep.set(e.step, [k]);
  });
  return [...byStep].map(([step, members]) => {
    const whats = members.map((k) => list[k].what);
    const more = whats.length - MAX_LISTED;
    const what = more > 0 ? `${whats.slice(0, MAX_LISTED).join('; ')}; and ${more} more` : whats.join('; ');
    const short = whats.length > 1 ? `${whats[0]} and ${whats.length - 1} more change${whats.length > 2 ? 's' : ''}` : whats[0];
    return { step, members, what, short };
  });
}

/** `event 3`, `events 1–5` (consecutive) or `events 1, 3 and 5`, numbered from 1. */
export function eventNumbers(g: EventGroup): string {
  const n = g.members.map((k) => k + 1);
  if (n.length === 1) return `event ${n[0]}`;
  if (n[n.length - 1] - n[0] === n.length - 1) return `events ${n[0]}–${n[n.length - 1]}`;
  return `events ${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}
