/** Every file below a directory, as sorted paths relative to it (to compare two results directories). */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}
