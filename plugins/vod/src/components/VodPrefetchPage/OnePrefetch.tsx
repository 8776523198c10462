import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Container, Flex, Link } from '@backstage/ui';
import {
  isPrefetchEnded,
  Prefetch,
  prefetchFingerprint,
} from '@mediaops/backstage-plugin-vod-common';
import { useEffect, useState } from 'react';
import { vodApiRef } from '../../api';
import { vodTranslationRef } from '../../translation';
import { PrefetchTable } from './PrefetchTable';

/** How long the page of one prefetch waits before asking again after a failed read. */
const RETRY_MS = 5_000;

/** A failed read worth asking again: the backend or the network failing for a while. */
function passing(error: unknown): boolean {
  const status = (error as { statusCode?: number }).statusCode;
  return status === undefined
    ? error instanceof TypeError // fetch's own failure: no connection
    : status >= 500 || status === 429;
}

/** One prefetch (`/vod?id=`, the link a template step puts out), opened, kept live. */
export function OnePrefetch({ id }: { id: string }) {
  const api = useApi(vodApiRef);
  const { t } = useTranslationRef(vodTranslationRef);
  const [state, setState] = useState<{ items?: Prefetch[]; error?: Error }>({});
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    (async () => {
      let prefetch: Prefetch | undefined;
      for (;;) {
        try {
          prefetch = await api.getPrefetch(id, {
            signal,
            // Once shown, a waiting read: the backend answers when it changes (at most every 5 s).
            ...(prefetch && { changedFrom: prefetchFingerprint(prefetch) }),
          });
        } catch (error) {
          if (signal.aborted) return;
          if (!prefetch || !passing(error)) throw error;
          // Shown already: keep it and ask again in a while (the backend may be restarting).
          await new Promise<void>(resolve => {
            let timer: ReturnType<typeof setTimeout> | undefined = undefined;
            const done = () => {
              clearTimeout(timer);
              signal.removeEventListener('abort', done);
              resolve();
            };
            timer = setTimeout(done, RETRY_MS);
            signal.addEventListener('abort', done);
          });
          continue;
        }
        if (signal.aborted) return;
        setState({ items: [prefetch] });
        if (isPrefetchEnded(prefetch.status)) return;
      }
    })().catch(error => {
      if (!signal.aborted) setState({ error });
    });
    return () => controller.abort();
  }, [api, id, attempt]);
  return (
    <Container>
      <Flex direction="column" gap="5">
        <Link href="?">{t('page.all')}</Link>
        <PrefetchTable
          live={{
            ...state,
            loading: !state.items && !state.error,
            reload: () => {
              setState({});
              setAttempt(n => n + 1);
            },
            changes: 0,
          }}
          open
        />
      </Flex>
    </Container>
  );
}
