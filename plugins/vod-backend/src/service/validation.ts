import { InputError } from '@backstage/errors';
import {
  accountNameSchema,
  assetIdSchema,
  entityRefSchema,
  prefetchStatusSchema,
} from '@mediaops/backstage-plugin-vod-common';
import express from 'express';
import { z } from 'zod';
import type { PrefetchFilter } from '../database/VodStore';
import { UnreadableBodyError } from './errors';

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

/** An `Idempotency-Key` header as both APIs take it: 1 to 255 printable ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A header's value as a message quotes it: JSON-quoted, and cut short. */
const quoted = (value: string) =>
  JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/**
 * Reads a JSON body of at most `limit` bytes into `req.body`: as its text, or parsed (then it must
 * be a JSON object). Refuses, naming the header or the body, what cannot be read as it was sent:
 * no body; a Content-Type other than application/json, a charset other than UTF-8 or an unknown
 * Content-Encoding (415); more than `limit` (413); a body that is not what its Content-Encoding
 * says (400); bytes that are not UTF-8 (400: decoded leniently they would become other characters,
 * e.g. of a URL, than the caller sent); text that is not JSON (400). A body parser after it leaves
 * the body alone.
 */
export function readJsonBody(
  limit: string,
  as: 'text' | 'object',
): express.RequestHandler {
  const raw = express.raw({ type: () => true, limit });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return (req, res, next) => {
    const type = req.headers['content-type'];
    if (
      req.headers['content-length'] === undefined &&
      req.headers['transfer-encoding'] === undefined
    ) {
      next(new InputError('body: is required: a JSON object'));
      return;
    }
    if (!type || !req.is('application/json')) {
      next(
        new UnreadableBodyError(
          415,
          `Content-Type: must be application/json, got ${
            type ? quoted(type) : 'none'
          }`,
        ),
      );
      return;
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      next(
        new UnreadableBodyError(
          415,
          `Content-Type: the charset must be utf-8, got ${quoted(charset)}`,
        ),
      );
      return;
    }
    raw(req, res, error => {
      if (error) {
        next(unreadable(error, req.headers['content-encoding'], limit));
        return;
      }
      try {
        let text: string;
        try {
          text = utf8.decode(Buffer.isBuffer(req.body) ? req.body : undefined);
        } catch {
          throw new InputError('body: is not valid UTF-8');
        }
        req.body = as === 'text' ? text : jsonObject(text);
        next();
      } catch (refusal) {
        next(refusal);
      }
    });
  };
}

/** A body parser's refusal as what is wrong with the request, or the error itself if it is not. */
function unreadable(
  error: { type?: unknown; status?: unknown; message?: unknown },
  encoding: string | undefined,
  limit: string,
): unknown {
  if (error.type === 'entity.too.large') {
    return new UnreadableBodyError(413, `body: is larger than ${limit}`);
  }
  if (error.type === 'encoding.unsupported') {
    return new UnreadableBodyError(
      415,
      `Content-Encoding: must be gzip, deflate or identity, got ${quoted(
        encoding ?? '',
      )}`,
    );
  }
  if (typeof error.status === 'number' && error.status < 500) {
    return new UnreadableBodyError(
      400,
      `body: could not be read as sent${
        encoding ? ` (Content-Encoding ${quoted(encoding)})` : ''
      }: ${String(error.message)}`,
    );
  }
  return error;
}

/** The JSON object `text` holds. */
function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      text.trim()
        ? `body: is not valid JSON (${(error as Error).message})`
        : 'body: is empty; it must be a JSON object',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('body: must be a JSON object');
  }
  return value as Record<string, unknown>;
}
