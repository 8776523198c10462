import { TestApiProvider } from '@backstage/frontend-test-utils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import type {
  Prefetch,
  PrefetchStatus,
} from '@mediaops/backstage-plugin-vod-common';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { VodApi, vodApiRef } from '../api';
import { useLivePrefetches } from './useLivePrefetches';

const item = (id: string, status: PrefetchStatus): Prefetch => ({
  id,
  status,
  account: 'main',
  createdBy: 'user:default/guest',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:00:00.000Z',
  possibleDuplicate: false,
});

/** A backend whose prefetches the test moves along, counting what the hook asks. */
function backend(initial: Prefetch[]) {
  let items = initial;
  const asked: string[] = [];
  const api = {
    listPrefetches: async () => {
      asked.push('list');
      return { items };
    },
    getPrefetch: async (id: string) => {
      asked.push(`get ${id}`);
      return items.find(p => p.id === id)!;
    },
  } as unknown as VodApi;
  return {
    api,
    asked,
    set(next: Prefetch[]) {
      items = next;
    },
  };
}

/** A signal API that hands the test the subscriber's callback. */
function signals() {
  const listeners = new Map<string, (message: any) => void>();
  return {
    api: {
      subscribe: (channel: string, onMessage: (message: any) => void) => {
        listeners.set(channel, onMessage);
        return { unsubscribe: () => listeners.delete(channel) };
      },
    },
    send(channel: string, message: object) {
      act(() => listeners.get(channel)!(message));
    },
  };
}

describe('useLivePrefetches', () => {
  it('refetches only the prefetches a signal names, and reloads for a new one', async () => {
    const server = backend([item('a', 'processing'), item('b', 'succeeded')]);
    const bus = signals();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider
        apis={[
          [vodApiRef, server.api],
          [signalApiRef, bus.api],
        ]}
      >
        {children}
      </TestApiProvider>
    );
    const { result } = renderHook(
      () => useLivePrefetches({ entityRef: 'resource:default/x' }, 'chan'),
      { wrapper },
    );
    await waitFor(() => expect(result.current.items).toHaveLength(2));
    expect(server.asked).toEqual(['list']);

    server.set([item('a', 'succeeded'), item('b', 'succeeded')]);
    bus.send('chan', { prefetches: [{ id: 'a', status: 'succeeded' }] });
    await waitFor(() =>
      expect(result.current.items![0].status).toBe('succeeded'),
    );
    expect(server.asked).toEqual(['list', 'get a']);

    server.set([
      item('c', 'pending'),
      item('a', 'succeeded'),
      item('b', 'succeeded'),
    ]);
    bus.send('chan', { prefetches: [{ id: 'c', status: 'pending' }] });
    await waitFor(() => expect(result.current.items).toHaveLength(3));
    expect(server.asked).toEqual(['list', 'get a', 'list']);
  });

  describe('without signals', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    const wrapperOf = (api: VodApi) =>
      function Wrapper({ children }: { children: ReactNode }) {
        return (
          <TestApiProvider apis={[[vodApiRef, api]]}>
            {children}
          </TestApiProvider>
        );
      };
    const lists = (asked: string[]) => asked.filter(a => a === 'list').length;
    const advance = async (ms: number) => {
      await act(async () => {
        jest.advanceTimersByTime(ms);
      });
    };

    it('polls with a growing pause while something moves, and stops once nothing does', async () => {
      const server = backend([item('a', 'pending')]);
      const { result } = renderHook(() => useLivePrefetches({}, 'chan'), {
        wrapper: wrapperOf(server.api),
      });
      await waitFor(() => expect(result.current.items).toHaveLength(1));
      expect(lists(server.asked)).toBe(1);
      await advance(2_000);
      expect(lists(server.asked)).toBe(2);
      await advance(2_000); // the pause has doubled to 4 s
      expect(lists(server.asked)).toBe(2);
      server.set([item('a', 'succeeded')]);
      await advance(2_000);
      expect(lists(server.asked)).toBe(3);
      await waitFor(() =>
        expect(result.current.items![0].status).toBe('succeeded'),
      );
      await advance(120_000);
      expect(lists(server.asked)).toBe(3);
    });

    it('does not poll while the tab is hidden', async () => {
      const server = backend([item('a', 'processing')]);
      const hidden = jest
        .spyOn(document, 'visibilityState', 'get')
        .mockReturnValue('hidden');
      try {
        const { result } = renderHook(() => useLivePrefetches({}, 'chan'), {
          wrapper: wrapperOf(server.api),
        });
        await waitFor(() => expect(result.current.items).toHaveLength(1));
        await advance(60_000);
        expect(lists(server.asked)).toBe(1);
      } finally {
        hidden.mockRestore();
      }
    });
  });
});
