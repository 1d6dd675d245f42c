/**
 * The source of a policy plugin module ('flaky') whose policies break: the module counts the policies it makes
 * (once by an experiment's up-front checks, then once per replay), and every policy from the `failFrom`th
 * making on throws in select. Lets a test fail an experiment after a chosen number of replays.
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
