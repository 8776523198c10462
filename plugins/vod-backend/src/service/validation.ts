import { InputError } from '@backstage/errors';
import {
  accountNameSchema,
  assetIdSchema,
  entityRefSchema,
  prefetchStatusSchema,
} from '@mediaops/backstage-plugin-vod-common';
import { z } from 'zod';
import type { PrefetchFilter } from '../database/VodStore';

/** `urls[3].x` for the path `['urls', 3, 'x']`. */
export function formatPath(path: PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`,
    )
    .join('');
}

/** Validates with a vod-common schema; a failure is a 400 naming each field. */
export function parseInput<T extends z.ZodType>(
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

/** `parseInput` for a value that may be left out. */
export function parseOptionalInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  field: string,
): z.output<T> | undefined {
  return value === undefined ? undefined : parseInput(schema, value, field);
}

/** The `createdBy` filter of a list: a user or service reference as recorded. */
export const createdBySchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' });

/** A list's filters, from the API's query or an action's input: each checked, a 400 naming it. */
export function parseListFilter(input: {
  entityRef?: unknown;
  assetId?: unknown;
  account?: unknown;
  status?: unknown;
  createdBy?: unknown;
}): PrefetchFilter {
  return {
    entityRef: parseOptionalInput(
      entityRefSchema,
      input.entityRef,
      'entityRef',
    ),
    assetId: parseOptionalInput(assetIdSchema, input.assetId, 'assetId'),
    account: parseOptionalInput(accountNameSchema, input.account, 'account'),
    status: parseOptionalInput(prefetchStatusSchema, input.status, 'status'),
    createdBy: parseOptionalInput(
      createdBySchema,
      input.createdBy,
      'createdBy',
    ),
  };
}
