/**
 * The files of an experiment: the shipped experiments, the text of a config file, and the files a run reads
 * (which a results directory that holds one is never allowed to replace).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DataError, didYouMean, UsageError, userIoError } from '../core/errors.js';
import { checkString } from '../core/shape.js';
import { isBuiltinSource } from '../data/load.js';
import { resolveSourcePath, type ExperimentConfig } from '../sim/experimentConfig.js';
import { MAX_CONFIG_BYTES } from '../sim/limits.js';
import { inputFiles } from './inputs.js';
import { packageRoot } from './version.js';

/** The experiments/ folder shipped with the package. */
export function experimentsDir(): string {
  return join(packageRoot(), 'experiments');
}

/**
 * The config file of `experiment run <name|file>`. A path is kept as the user wrote it (relative stays
 * relative), so messages name the file as typed, as the other commands do; what needs it absolute resolves it
 * (the checkpoint's experimentFile, the data paths and modules relative to it). A shipped experiment's name
 * is its file under the package's experiments/ folder, named by its full path (a relative experiments/<name>.yaml
 * could be mistaken for a file of the current directory).
 */
export function resolveExperimentFile(nameOrFile: string): string {
  checkString(nameOrFile, 'name');
  // a path (YAML extension or a directory part) must exist; anything else is a shipped experiment's name
  if (/\.ya?ml$/i.test(nameOrFile) || /[\\/]/.test(nameOrFile)) {
    if (!existsSync(nameOrFile)) throw new DataError('file not found', nameOrFile);
    return nameOrFile;
  }
  const p = join(experimentsDir(), `${nameOrFile}.yaml`);
  if (existsSync(p)) return p;
  const names = listExperiments();
  throw new UsageError(`no experiment '${nameOrFile}'${didYouMean(nameOrFile, names)}; shipped experiments: ${names.join(', ')} (or give a YAML file)`);
}

export function listExperiments(): string[] {
  const dir = experimentsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}


/** The text of an experiment file, bounded in size; a missing or unreadable file is the user's problem. */
export function readConfigText(file: string, recordedIn?: string): string {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new UsageError(`experiment file '${file}' is not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw new DataError(`${st.size} bytes, at most ${MAX_CONFIG_BYTES} (see docs/limits.md)`, file);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataError) throw e;
    const err = userIoError(e, file, 'read experiment file');
    if (recordedIn && err instanceof UsageError) throw new DataError(`experimentFile: ${err.message}`, recordedIn, undefined, 'experimentFile', 'field');
    throw err;
  }
}

/** The files a run of the config in `file` reads: the config, its tables and its policy modules. */
export function experimentInputs(file: string, cfg: Pick<ExperimentConfig, 'dataset' | 'queries' | 'models' | 'train' | 'arms'>, out?: string): string[] {
  const rel = (p: string | undefined): string | undefined => resolveSourcePath(file, p, isBuiltinSource);
  const modules = cfg.arms.flatMap((a) => (a.module === undefined ? [] : [isAbsolute(a.module) ? a.module : resolve(dirname(file), a.module)]));
  // rerunning a results directory's own config.yaml into it is safe: the text is read first and written again
  const own = out !== undefined && resolve(file) === resolve(out, 'config.yaml');
  return inputFiles(own ? undefined : file, rel(cfg.dataset), rel(cfg.queries), rel(cfg.models), rel(cfg.train), modules);
}
