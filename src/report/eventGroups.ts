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

export function eventGroups(list: readonly { step: number; what: string }[]): EventGroup[] {
  const byStep = new Map<number, EventGroup>();
  list.forEach((e, k) => {
    const g = byStep.get(e.step);
    if (g) {
      g.members.push(k);
      g.what += `; ${e.what}`;
      g.short = `${list[g.members[0]].what} and ${g.members.length - 1} more change${g.members.length > 2 ? 's' : ''}`;
    } else {
      byStep.set(e.step, { step: e.step, members: [k], what: e.what, short: e.what });
    }
  });
  return [...byStep.values()];
}

/** `event 3`, `events 1–5` (consecutive) or `events 1, 3 and 5`, numbered from 1. */
export function eventNumbers(g: EventGroup): string {
  const n = g.members.map((k) => k + 1);
  if (n.length === 1) return `event ${n[0]}`;
  if (n[n.length - 1] - n[0] === n.length - 1) return `events ${n[0]}–${n[n.length - 1]}`;
  return `events ${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}
