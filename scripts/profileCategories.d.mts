/** Types of scripts/profileCategories.mjs (for its test under the project's strict type check). */

/** A V8 call frame: `lineNumber` and `columnNumber` are 0-based. */
export interface CallFrame {
  functionName?: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

/** A node of a V8 CPU profile's call tree; `hitCount` is its self time in samples. */
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  positionTicks?: { line: number; ticks: number }[];
}

export interface Rule {
  path?: string | RegExp;
  fn?: string | RegExp;
  sub: string;
  split?: keyof typeof LINE_SPLITS;
}

export interface LineSplit {
  match: RegExp;
  sub: string;
  rest: string;
}

export interface SummarizeOptions {
  top?: number;
  splitLines?: boolean;
  sourceOf?: (url: string) => string[] | undefined;
}

export interface ProfileSummary {
  samples: number;
  shares: Record<string, number>;
  detail: Record<string, number>;
  top: { function: string; file: string; line: number; category: string; sub: string; selfPct: number }[];
  unclassified: { function: string; file: string; line: number; selfPct: number }[];
}

export const SCHEMA_VERSION: number;
export const CATEGORIES: readonly { id: string; label: string }[];
export const RULES: readonly Rule[];
export const LINE_SPLITS: { cache: LineSplit; engine: LineSplit; harness: LineSplit };
export function sourcePath(url: string | undefined): string;
export function ruleFor(frame: Pick<CallFrame, 'functionName' | 'url'>): Rule | null;
export function classifyFrame(frame: Pick<CallFrame, 'functionName' | 'url'>): { category: string; sub: string };
export function categoryOf(sub: string): string;
export function functionEnd(lines: readonly string[], line0: number, col0?: number): number | null;
export function roundShares(values: readonly number[], decimals?: number): number[];
export function summarizeProfile(profile: { nodes: readonly ProfileNode[] }, opts?: SummarizeOptions): ProfileSummary;
