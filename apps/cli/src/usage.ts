import type * as z from 'zod';

/** A command-line mistake: printed without a stack trace, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Validates parsed command-line options with a schema, turning the first issue into a message that names
 * the option, e.g. "--interval: must be a positive number".
 */
export function parseOptions<T extends z.ZodType>(schema: T, options: unknown): z.infer<T> {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const option = issue?.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ` : '';
  throw new UsageError(`${option}${issue?.message ?? 'invalid options'}`);
}
