/**
 * The source of a policy plugin module ('flaky') whose policies break: the module counts the policies it makes
 * in its thread, and every policy from the `failFrom`th making on throws in select. An experiment with a policy
 * module replays on a worker thread, whose copy of the module counts the replays only (the up-front checks
 * make theirs on another thread): `failFrom` k lets k − 1 replays finish.
 */
export function flakyPlugin(failFrom: number): string {
  return `let made = 0;
export default {
  name: 'flaky', description: 'fails in select from its ${failFrom}th making', contextual: false, rewardIndependent: false, hindsight: false, params: [],
  create: () => {
    const n = ++made;
    return { select: (_q, arms) => { if (n >= ${failFrom}) throw new Error('flaky broke'); return arms[0]; }, update() {}, addArm() {}, removeArm() {} };
  },
};
`;
}
