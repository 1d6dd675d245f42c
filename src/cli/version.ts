/** Re-exported for the commands: the version and package root live with the use cases that record them. */
export { packageRoot, version } from '../app/version.js';
