import { InputError } from '@backstage/errors';
import type { z } from 'zod';

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
