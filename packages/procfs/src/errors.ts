/** Text from /proc or /sys that does not have the shape its parser expects. The message names the file. */
export class ProcfsParseError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ProcfsParseError';
  }
}

/** Parses a decimal field, naming the file and field when it is not a number. */
export function toNumber(file: string, field: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(value)) {
    throw new ProcfsParseError(file, `field ${field} is ${text === undefined ? 'missing' : `not a number: "${text}"`}`);
  }
  return value;
}

/** Splits on runs of spaces and tabs, without empty strings at either end. */
export function fields(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}
