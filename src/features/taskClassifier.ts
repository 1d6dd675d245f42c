/**
 * Task-type classifier (docs/features.md, task type), split by concern: features (taskFeatures.ts), training and prediction
 * (taskTrain.ts), model file (taskModelIo.ts). This module keeps the public exports in one place.
 */
export {
  DEFAULT_TASK_FEATURES,
  INSTRUCTION_TASK_FEATURES,
  instructionOf,
  taskFeatures,
  taskInput,
} from './taskFeatures.js';
export { INSTRUCTION_POOL, augmentExamples, contentOf, contentParts } from './taskContent.js';
export {
  type TaskModel,
  confusionMatrix,
  predictProba,
  predictTask,
  stratifiedSplit,
  taskPredictor,
  trainTaskModel,
} from './taskTrain.js';
export {
  TASK_MODEL_FORMAT,
  TASK_MODEL_VERSION,
  loadTaskModel,
  saveTaskModel,
  taskModelFromJson,
  taskModelToJson,
} from './taskModelIo.js';
