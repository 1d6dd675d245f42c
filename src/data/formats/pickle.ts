/**
 * A restricted reader for Python pickles holding a pandas DataFrame of numpy blocks (protocols 2–5).
 *
 * Python's own unpickler calls whatever callables the stream names, so an untrusted pickle can run code.
 * This reader never calls anything: each global the stream names must be on a fixed allow-list of numpy
 * and pandas constructors, and each one is *emulated* here as plain data (arrays, indexes, blocks).
 * Any other global, and any opcode outside the data subset, is refused before anything is built.
 * Decoding work is bounded by the input size (pickleLimits.ts): shared objects are decoded once, dict keys
 * are built by structure, and integers are capped in length.
 *
 * pickleVm.ts runs the opcodes, picklePandas.ts emulates the allowed globals, pickleFrames.ts lays a
 * DataFrame out by column, pickleValues.ts holds the values and the text decoder.
 */
export { PickleError, NDArray, PdIndex, PdBlock, PdBlockManager, PdDataFrame, PyText } from './pickleValues.js';
export { ALLOWED_GLOBALS } from './picklePandas.js';
export { pickleLimitsFromEnv } from './pickleLimits.js';
export { unpickle } from './pickleVm.js';
export { frameColumns } from './pickleFrames.js';
