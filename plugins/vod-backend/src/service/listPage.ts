import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type {
  Prefetch,
  PrefetchList,
} from '@mediaops/backstage-plugin-vod-common';
import type { PrefetchCursor, PrefetchFilter } from '../database/VodStore';
import type { PrefetchServiceDeps } from './PrefetchService';

/** A list page is filled from at most this many reads of the table. */
const MAX_LIST_ROUNDS = 10;
/** Entities known to be hidden from the reader, left out in the query, at most. */
const MAX_EXCLUDED = 500;

/**
 * A page of the prefetches the caller may see, newest first (without their progress). Where the
 * policy decides per entity, each round's new entities are asked about in one request (decisions
 * are reused), and the entities found hidden are left out of the next round's query, until the
 * page is full. The cursor is the position of the page's last row, so pages never overlap or skip.
 */
export async function listPage(
  deps: Pick<PrefetchServiceDeps, 'store' | 'access'>,
  filter: PrefetchFilter,
  page: { limit: number; cursor?: string },
  credentials: BackstageCredentials,
): Promise<PrefetchList> {
  const { store, access } = deps;
  const { visibility, perEntity } = await access.listAccess(credentials);
  const hidden = new Set<string>();
  const items: Prefetch[] = [];
  let cursor =
    page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  for (let round = 0; round < MAX_LIST_ROUNDS; round++) {
    const batch = await store.listPrefetches(
      filter,
      { limit: page.limit - items.length, cursor },
      perEntity
        ? {
            ...visibility,
            entities: { except: [...hidden].slice(0, MAX_EXCLUDED) },
          }
        : visibility,
    );
    let readable: Set<string> | undefined;
    if (perEntity) {
      const refs = [
        ...new Set(
          batch.items.flatMap(p => (p.entityRef ? [p.entityRef] : [])),
        ),
      ];
      readable = await access.readableEntities(refs, credentials);
      refs.filter(ref => !readable!.has(ref)).forEach(ref => hidden.add(ref));
    }
    for (const prefetch of batch.items) {
      if (
        !prefetch.entityRef ||
        !readable ||
        readable.has(prefetch.entityRef)
      ) {
        items.push(prefetch);
      }
    }
    const last = batch.items[batch.items.length - 1];
    if (!batch.next) return { items };
    cursor = cursorOf(last);
    if (items.length >= page.limit) break;
  }
  // Full, or a long run of hidden rows: the next page goes on from the last row read.
  return { items, nextCursor: encodeCursor(cursor!) };
}

function cursorOf(prefetch: Prefetch): PrefetchCursor {
  return { createdAt: Date.parse(prefetch.createdAt), id: prefetch.id };
}

function encodeCursor(cursor: PrefetchCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString(
    'base64url',
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A cursor this API returned: a whole, non-negative time in ms and a prefetch id, spelled exactly as
 * encodeCursor spells them (base64 decoding would pass over stray or padding characters).
 */
function decodeCursor(value: string): PrefetchCursor {
  try {
    const decoded = JSON.parse(
      Buffer.from(value, 'base64url').toString('utf8'),
    );
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [createdAt, id] = decoded;
      if (
        Number.isSafeInteger(createdAt) &&
        createdAt >= 0 &&
        typeof id === 'string' &&
        UUID.test(id) &&
        encodeCursor({ createdAt, id }) === value
      ) {
        return { createdAt, id };
      }
    }
  } catch {
    // reported below
  }
  throw new InputError('cursor: not a cursor this API returned');
}
