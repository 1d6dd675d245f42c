export { benchPolicies } from '../src/sim/throughput.js';
