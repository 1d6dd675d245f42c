/** Off-policy evaluation: estimators, replay, bootstrap intervals, diagnostics and the ridge reward model. */
export * from './estimators.js';
export * from './replay.js';
export * from './bootstrap.js';
export * from './diagnostics.js';
export * from './ridge.js';
export * from './fromLogs.js';
export * from './tuning.js';
export * from './evaluate.js';
