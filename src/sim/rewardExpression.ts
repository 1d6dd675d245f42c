/**
 * The reward expression sandbox. mathjs can build ranges, matrices and run `evaluate` itself, so an
 * expression is parsed, walked and checked against an explicit whitelist of scalar operations before it is
 * compiled: the reward variables, numeric and boolean constants, arithmetic/comparison/logical operators,
 * the conditional and a few scalar functions. Length and nesting are bounded so that parsing, compiling and
 * evaluating stay within a small, fixed budget.
 */
import type { MathNode } from 'mathjs';
import { DataError, UsageError } from '../core/errors.js';

export const REWARD_VARIABLES = ['accuracy', 'energy_norm', 'energy_j', 'latency_s', 'tokens', 'cost_usd', 'lambda'] as const;
const CONSTANTS = ['pi', 'e'] as const;
/** What an expression may name besides the variables: true and false parse as literals, not names. */
const LISTED_CONSTANTS = [...CONSTANTS, 'true', 'false'];

/** Scalar functions an expression may call; `clamp(x, lo, hi)` is ours, the rest are mathjs's. */
const REWARD_FUNCTIONS = ['min', 'max', 'abs', 'sqrt', 'cbrt', 'log', 'log10', 'log2', 'log1p', 'exp', 'expm1', 'pow', 'floor', 'ceil', 'round', 'sign', 'clamp'] as const;

/** mathjs operator functions behind `+ - * / ^ % mod`, comparisons and `and or not xor`. */
const OPERATORS = new Set([
  'add', 'subtract', 'multiply', 'divide', 'unaryMinus', 'unaryPlus', 'pow', 'mod',
  'smaller', 'larger', 'smallerEq', 'largerEq', 'equal', 'unequal', 'and', 'or', 'not', 'xor',
]);

/** Longest expression accepted (characters). */
export const MAX_REWARD_LENGTH = 1000;
/** Deepest nesting accepted (brackets in the text, levels in the parsed tree). */
const MAX_REWARD_DEPTH = 32;
/** Most arguments min/max take (they are variadic). */
const MAX_ARGS = 16;

/** Arguments each function takes (fewest, most), so a wrong count is refused before any cell is evaluated. */
const ARITY: Record<(typeof REWARD_FUNCTIONS)[number], [number, number]> = {
  min: [1, MAX_ARGS], max: [1, MAX_ARGS], abs: [1, 1], sqrt: [1, 1], cbrt: [1, 1], log: [1, 2], log10: [1, 1], log2: [1, 1],
  log1p: [1, 2], exp: [1, 1], expm1: [1, 1], pow: [2, 2], floor: [1, 2], ceil: [1, 2], round: [1, 2], sign: [1, 1], clamp: [3, 3],
};

export interface RewardSource {
  /** Where the expression came from: the option (`--reward`) or a file, its line and its field. */
  option?: string;
  file?: string;
  /** The field's line, found only on error (a YAML file is parsed again for it). */
  line?: () => number;
  field?: string;
}

function fail(src: RewardSource, expr: string, why: string): never {
  const shown = expr.length > 120 ? `${expr.slice(0, 120)}…` : expr;
  if (src.file) throw new DataError(`'${shown}': ${why}`, src.file, src.line?.(), src.field ?? 'reward', 'field');
  throw new UsageError(`${src.option ?? src.field ?? 'reward'} '${shown}': ${why}`);
}

const allowedHint = (): string =>
  `allowed: variables ${REWARD_VARIABLES.join(', ')}; constants ${LISTED_CONSTANTS.join(', ')}; functions ${REWARD_FUNCTIONS.join(', ')}; ` +
  'operators + - * / ^ % mod < <= > >= == != and or not xor, and c ? a : b';

/** Describe a node that is not allowed, or null when it is. */
function disallowed(n: MathNode, fnSymbols: Set<MathNode>): string | null {
  switch (n.type) {
    case 'ConstantNode': {
      const v = (n as import('mathjs').ConstantNode).value as unknown;
      // NaN, Infinity and overflowing literals (1e999) are not finite: no reward could come of them
      if (typeof v === 'number') return Number.isFinite(v) ? null : `constant ${String(v)} is not a finite number`;
      return typeof v === 'boolean' ? null : `constant ${JSON.stringify(v) ?? String(v)} is not a number`;
    }
    case 'SymbolNode': {
      if (fnSymbols.has(n)) return null;
      const name = (n as import('mathjs').SymbolNode).name;
      return (REWARD_VARIABLES as readonly string[]).includes(name) || (CONSTANTS as readonly string[]).includes(name) ? null : `unknown name '${name}'`;
    }
    case 'ParenthesisNode':
    case 'ConditionalNode':
      return null;
    case 'OperatorNode': {
      const op = n as import('mathjs').OperatorNode;
      return OPERATORS.has(op.fn) ? null : `operator '${op.op}' (${op.fn}) is not allowed`;
    }
    case 'RelationalNode': {
      const bad = ((n as unknown as { conditionals: string[] }).conditionals ?? []).find((c) => !OPERATORS.has(c));
      return bad === undefined ? null : `comparison '${bad}' is not allowed`;
    }
    case 'FunctionNode': {
      const f = n as import('mathjs').FunctionNode;
      const fn = f.fn as MathNode;
      if (fn.type !== 'SymbolNode') return `calling '${fn.toString()}' is not allowed`;
      const name = (fn as import('mathjs').SymbolNode).name;
      if (!(REWARD_FUNCTIONS as readonly string[]).includes(name)) return `function '${name}' is not allowed`;
      const [lo, hi] = ARITY[name as keyof typeof ARITY];
      if (f.args.length >= lo && f.args.length <= hi) return null;
      const takes = lo === hi ? `${lo} argument${lo === 1 ? '' : 's'}` : `${lo} to ${hi} arguments`;
      return `function '${name}' takes ${takes}, got ${f.args.length}`;
    }
    case 'AssignmentNode':
    case 'FunctionAssignmentNode':
    case 'BlockNode':
      return `assignments and blocks are not allowed (${n.type})`;
    case 'ArrayNode':
    case 'RangeNode':
    case 'IndexNode':
    case 'AccessorNode':
    case 'ObjectNode':
      return `${n.type.replace(/Node$/, '').toLowerCase()} expressions are not allowed (${n.type})`;
    default:
      return `${n.type} is not allowed`;
  }
}

/** Deepest bracket nesting in the text, counted before parsing so the parser never recurses deeply. */
function bracketDepth(expr: string): number {
  let d = 0;
  let max = 0;
  for (const ch of expr) {
    if (ch === '(' || ch === '[' || ch === '{') max = Math.max(max, ++d);
    else if (ch === ')' || ch === ']' || ch === '}') d--;
  }
  return max;
}

/** Tree depth, iteratively (a deep tree must not exhaust the stack here either). */
function treeDepth(root: MathNode): number {
  let max = 0;
  const stack: [MathNode, number][] = [[root, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_REWARD_DEPTH) return max;
    n.forEach((child) => stack.push([child, d + 1]));
  }
  return max;
}

type CompiledReward = (scope: Record<string, unknown>) => unknown;

let real: Promise<import('mathjs').MathJsInstance> | undefined;

/**
 * mathjs with `predictable`: sqrt, log and a fractional power of a negative number give NaN (odd roots the
 * real root) instead of a complex number that abs() or a square would turn back into a plausible reward.
 */
function realMath(): Promise<import('mathjs').MathJsInstance> {
  real ??= import('mathjs').then((m) => m.create(m.all, { predictable: true }));
  return real;
}

/**
 * Check an expression against the whitelist and compile it. Every problem is a UsageError (from the option)
 * or a DataError naming the file and field; nothing is evaluated before the whole tree has passed.
 */
export async function compileRewardExpression(expr: string, src: RewardSource = {}): Promise<CompiledReward> {
  if (typeof expr !== 'string' || expr.trim() === '') fail(src, String(expr), 'the expression is empty');
  if (expr.length > MAX_REWARD_LENGTH) fail(src, expr, `the expression is ${expr.length} characters long; at most ${MAX_REWARD_LENGTH} are allowed`);
  if (bracketDepth(expr) > MAX_REWARD_DEPTH) fail(src, expr, `brackets nest more than ${MAX_REWARD_DEPTH} deep`);
  // mathjs drops a comment without a trace, so 'a # - b' would quietly be 'a' (strings, where '#' could be text, are refused anyway)
  if (expr.includes('#')) fail(src, expr, `comments ('#') are not allowed: the text after '#' would be ignored`);
  const math = await realMath();
  let node: MathNode;
  try {
    node = math.parse(expr);
  } catch (e) {
    fail(src, expr, `cannot parse: ${(e as Error).message}`);
  }
  if (treeDepth(node) > MAX_REWARD_DEPTH) fail(src, expr, `the expression nests more than ${MAX_REWARD_DEPTH} levels deep`);
  const fnSymbols = new Set<MathNode>();
  node.traverse((n) => {
    if (n.type === 'FunctionNode') fnSymbols.add((n as import('mathjs').FunctionNode).fn as MathNode);
  });
  const problems = new Set<string>();
  node.traverse((n) => {
    const p = disallowed(n, fnSymbols);
    if (p !== null) problems.add(p);
  });
  if (problems.size) fail(src, expr, `${[...problems].join('; ')} — ${allowedHint()}`);
  let code: { evaluate(scope: Record<string, unknown>): unknown };
  try {
    code = node.compile();
  } catch (e) {
    fail(src, expr, `cannot compile: ${(e as Error).message}`);
  }
  return (scope) => code.evaluate(scope);
}

/** `clamp(x, lo, hi)`, the one function the scope adds to mathjs's. */
export function clamp(x: number, lo: number, hi: number): number {
  if (typeof x !== 'number' || typeof lo !== 'number' || typeof hi !== 'number') throw new TypeError('clamp(x, lo, hi) takes three numbers');
  return x < lo ? lo : x > hi ? hi : x;
}
