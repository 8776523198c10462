import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import type {
  ListPrefetchesQuery,
  Prefetch,
  VodPrefetchSignal,
} from '@mediaops/backstage-plugin-vod-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { vodApiRef } from '../api';

/** A prefetch still moving: worth watching. */
export function isActive(prefetch: Prefetch): boolean {
  return prefetch.status === 'pending' || prefetch.status === 'processing';
}

/** Polling without signals: the first wait, doubled up to the last. */
const POLL_MS = { first: 2_000, max: 30_000 };

export interface LivePrefetches {
  items?: Prefetch[];
  nextCursor?: string;
  error?: Error;
  loading: boolean;
  /** Loads the list again (a new prefetch, another page). */
  reload(): void;
  /** Something changed on `channel`, or was polled: a counter to refresh what depends on it. */
  changes: number;
}

/**
 * A page of prefetches, kept live. With Backstage signals, each signal on `channel` refetches
 * only the prefetches it names that are on the page (a new one reloads the page); without
 * signals, the page is polled with a backoff while a prefetch on it is still moving and the
 * tab is visible, and not at all otherwise.
 */
export function useLivePrefetches(
  query: ListPrefetchesQuery,
  channel: string,
): LivePrefetches {
  const api = useApi(vodApiRef);
  const [state, setState] = useState<{
    items?: Prefetch[];
    nextCursor?: string;
    error?: Error;
    loading: boolean;
  }>({ loading: true });
  const [changes, setChanges] = useState(0);
  const key = JSON.stringify(query);
  const items = useRef<Prefetch[] | undefined>(undefined);
  items.current = state.items;

  const reload = useCallback(() => {
    let cancelled = false;
    api.listPrefetches(JSON.parse(key)).then(
      list => {
        if (!cancelled) {
          setState({
            items: list.items,
            nextCursor: list.nextCursor,
            loading: false,
          });
        }
      },
      error => {
        if (!cancelled) setState({ error, loading: false });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, key]);

  useEffect(() => {
    setState(current => ({ ...current, loading: true }));
    return reload();
  }, [reload]);

  // Signals: refetch what changed.
  const { lastSignal, isSignalsAvailable } = useSignal<
    VodPrefetchSignal & { [key: string]: any }
  >(channel);
  useEffect(() => {
    if (!lastSignal) return;
    setChanges(n => n + 1);
    const shown = new Map((items.current ?? []).map(p => [p.id, p]));
    if (lastSignal.prefetches.some(p => !shown.has(p.id))) {
      reload();
      return;
    }
    // A new state, or one still moving (its progress may have changed).
    const changed = lastSignal.prefetches.filter(
      p => shown.get(p.id)!.status !== p.status || isActive(shown.get(p.id)!),
    );
    for (const { id } of changed) {
      api.getPrefetch(id).then(
        fresh =>
          setState(current => ({
            ...current,
            items: current.items?.map(p => (p.id === id ? fresh : p)),
          })),
        () => {}, // the next signal or a reload tries again
      );
    }
  }, [lastSignal, api, reload]);

  // No signals: poll while something moves and somebody looks.
  const moving = (state.items ?? []).some(isActive);
  useEffect(() => {
    if (isSignalsAvailable || !moving) return undefined;
    let delay = POLL_MS.first;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      timer = setTimeout(() => {
        if (document.visibilityState === 'visible') {
          setChanges(n => n + 1);
          reload();
        }
        delay = Math.min(delay * 2, POLL_MS.max);
        tick();
      }, delay);
    };
    tick();
    return () => clearTimeout(timer);
  }, [isSignalsAvailable, moving, reload]);

  return { ...state, reload, changes };
}
