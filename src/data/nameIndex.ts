/**
 * Names numbered in the order they are first seen: a column of names (tasks) held as indices, with one string
 * per distinct name rather than one per row.
 */
export class NameIndex {
  /** The names, by index. */
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `name`, numbering it next when it is new. */
  of(name: string): number {
    let k = this.index.get(name);
    if (k === undefined) {
      k = this.names.length;
      this.index.set(name, k);
      this.names.push(name);
    }
    return k;
  }
}
