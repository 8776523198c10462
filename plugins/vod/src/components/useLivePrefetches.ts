import { useApi, useApiHolder } from '@backstage/core-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import {
  isPrefetchEnded,
  type ListPrefetchesQuery,
  type Prefetch,
  type VodPrefetchSignal,
} from '@mediaops/backstage-plugin-vod-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { vodApiRef } from '../api';

/** Polling: without signals from `first`, doubling up to `max`; with signals every `max`. */
const POLL_MS = { first: 2_000, max: 30_000 };
/** A signal that names no prefetch reloads the page at most this often, and only if visible. */
const RELOAD_MS = 2_000;

export interface LivePrefetches {
  items?: Prefetch[];
  nextCursor?: string;
  /** The last load failed; `items` are still the last ones loaded, if any. */
  error?: Error;
  loading: boolean;
  /** Loads the list again (a new prefetch). */
  reload(): void;
  /** Counts the loads that brought a new prefetch or state: for what depends on them (quota). */
  changes: number;
}

interface ListState {
  items?: Prefetch[];
  nextCursor?: string;
  channel?: string;
  error?: Error;
  loading: boolean;
}

/**
 * A page of prefetches, kept live. The list's answer names the signal channel to follow (the
 * backend gives an entity's channel only to those who may read its prefetches). A signal naming
 * prefetches refetches only those on the page, and reloads the page for one it does not show; a
 * signal naming none reloads the page, at most every 2 s and not while the tab is hidden. While a prefetch on the page still
 * moves and the tab is visible, the page is also polled: without signals from every 2 s with a
 * backoff to 30 s, with signals every 30 s for a signal lost on a reconnect. Nothing is polled
 * when nothing moves. Answers to an older query, or older than what is shown, are dropped.
 */
export function useLivePrefetches(query: ListPrefetchesQuery): LivePrefetches {
  const api = useApi(vodApiRef);
  const signals = useApiHolder().get(signalApiRef);
  const [state, setState] = useState<ListState>({ loading: true });
  const [changes, setChanges] = useState(0);
  const key = JSON.stringify(query);
  const shown = useRef<Prefetch[] | undefined>(undefined);
  shown.current = state.items;
  const shownFor = useRef<string>(); // the query whose answer is shown
  const generation = useRef(0); // of the newest list request; older answers are dropped

  const reload = useCallback(() => {
    const mine = ++generation.current;
    api.listPrefetches(JSON.parse(key)).then(
      list => {
        if (mine !== generation.current) return;
        // A prefetch refetched since this list was asked for may be newer than its copy here.
        const sameQuery = shownFor.current === key;
        const known = new Map(
          (sameQuery ? shown.current ?? [] : []).map(p => [p.id, p]),
        );
        const items = list.items.map(p => {
          const other = known.get(p.id);
          return other && other.updatedAt > p.updatedAt ? other : p;
        });
        // Another page or other filters are no change; a reload of this one may bring some.
        if (sameQuery && statesDiffer(shown.current, items)) {
          setChanges(n => n + 1);
        }
        shownFor.current = key;
        setState({
          items,
          nextCursor: list.nextCursor,
          channel: list.channel,
          loading: false,
        });
      },
      error => {
        if (mine !== generation.current) return;
        setState(current => ({ ...current, error, loading: false }));
      },
    );
  }, [api, key]);

  useEffect(() => {
    setState(current => ({ ...current, error: undefined, loading: true }));
    reload();
    return () => {
      generation.current += 1; // the query changed or the page closed: drop answers in flight
    };
  }, [reload]);

  // Signals: refetch what changed.
  const lastReload = useRef(0);
  const reloadSoon = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    if (!signals || !state.channel) return undefined;
    let missed = false; // a reload skipped while the tab was hidden
    const throttledReload = () => {
      if (document.visibilityState !== 'visible') {
        missed = true;
        return;
      }
      if (reloadSoon.current) return;
      const wait = Math.max(0, lastReload.current + RELOAD_MS - Date.now());
      reloadSoon.current = setTimeout(() => {
        reloadSoon.current = undefined;
        lastReload.current = Date.now();
        reload();
      }, wait);
    };
    const refetch = (id: string) =>
      api.getPrefetch(id).then(
        fresh => {
          const before = shown.current?.find(p => p.id === id);
          if (!before || fresh.updatedAt < before.updatedAt) return;
          if (before.status !== fresh.status) setChanges(n => n + 1);
          setState(current => ({
            ...current,
            items: current.items?.map(p => (p.id === id ? fresh : p)),
          }));
        },
        () => {}, // the next signal or poll tries again
      );
    const { unsubscribe } = signals.subscribe(
      state.channel,
      (message: Partial<VodPrefetchSignal>) => {
        const named = message.prefetches ?? [];
        const onPage = new Map((shown.current ?? []).map(p => [p.id, p]));
        if (named.length === 0 || named.some(p => !onPage.has(p.id))) {
          throttledReload();
          return;
        }
        // A new state, or one still moving (its progress may have changed).
        for (const { id, status } of named) {
          const current = onPage.get(id)!;
          if (current.status !== status || !isPrefetchEnded(current.status))
            refetch(id);
        }
      },
    );
    const onVisible = () => {
      if (missed && document.visibilityState === 'visible') {
        missed = false;
        throttledReload();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      unsubscribe();
      document.removeEventListener('visibilitychange', onVisible);
      clearTimeout(reloadSoon.current);
      reloadSoon.current = undefined;
    };
  }, [signals, state.channel, api, reload]);

  // Polling while something moves and somebody looks.
  const moving = (state.items ?? []).some(p => !isPrefetchEnded(p.status));
  const withSignals = Boolean(signals && state.channel);
  useEffect(() => {
    if (!moving) return undefined;
    let delay = withSignals ? POLL_MS.max : POLL_MS.first;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      timer = setTimeout(() => {
        if (document.visibilityState === 'visible') reload();
        delay = Math.min(delay * 2, POLL_MS.max);
        tick();
      }, delay);
    };
    tick();
    // Back on the tab: catch up at once.
    const onVisible = () => {
      if (document.visibilityState === 'visible') reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [withSignals, moving, reload]);

  return {
    items: state.items,
    nextCursor: state.nextCursor,
    error: state.error,
    loading: state.loading,
    reload,
    changes,
  };
}

/** Whether a reload brought a prefetch, or a state, that was not shown. */
function statesDiffer(before: Prefetch[] | undefined, after: Prefetch[]) {
  const was = new Map((before ?? []).map(p => [p.id, p.status]));
  return after.some(p => was.get(p.id) !== p.status);
}
