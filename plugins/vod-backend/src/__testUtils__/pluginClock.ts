import { createServiceFactory } from '@backstage/backend-plugin-api';
import { vodClockServiceRef } from '../service/clock';

/**
 * A clock for the vod plugin alone (its `vod.clock` service), running at real speed from where a
 * test sets it; the rest of the backend, the rate limits and the simulator keep the real time.
 * Add `factory` to the backend's features.
 */
export function pluginClock() {
  let offset = 0;
  return {
    factory: createServiceFactory({
      service: vodClockServiceRef,
      deps: {},
      factory: () => ({ now: () => Date.now() + offset }),
    }),
    /** Sets the plugin's time to `at` (ms since the epoch) now. */
    set(at: number) {
      offset = at - Date.now();
    },
    /** Moves the plugin's time `ms` forward. */
    advance(ms: number) {
      offset += ms;
    },
  };
}
