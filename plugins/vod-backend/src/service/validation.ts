import { InputError } from '@backstage/errors';
import { z } from 'zod';

/** `urls[3].x` for the path `['urls', 3, 'x']`. */
export function formatPath(path: PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`,
    )
    .join('');
}

/** Validates with a vod-common schema; a failure is a 400 naming each field. */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  field?: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      result.error.issues
        .map(issue => {
          const path = formatPath([...(field ? [field] : []), ...issue.path]);
          return path ? `${path}: ${issue.message}` : issue.message;
        })
        .join('; '),
    );
  }
  return result.data;
}

/** `parse` for a value that may be left out. */
export function parseOptional<T extends z.ZodType>(
  schema: T,
  value: unknown,
  field: string,
): z.output<T> | undefined {
  return value === undefined ? undefined : parse(schema, value, field);
}

/** The `createdBy` filter of a list: a user or service reference as recorded. */
export const createdBySchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' });
