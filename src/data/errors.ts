/** An input problem the user can fix: names the file and, where known, the line and column. Exit code 2. */
export class DataError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(formatLocation(file, line, column) + message);
    this.name = 'DataError';
  }
}

/** A bad command-line value (unknown policy, λ out of range…). Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function formatLocation(file?: string, line?: number, column?: string): string {
  if (!file) return '';
  let s = file;
  if (line !== undefined) s += `:${line}`;
  // A hostile header can name a column with megabytes: the message shows its start.
  if (column !== undefined) s += ` (column '${column.length > 80 ? column.slice(0, 80) + '…' : column}')`;
  return s + ': ';
}
