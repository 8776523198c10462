import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/** The time the plugin records and counts quota days by, in ms since the epoch. */
export interface VodClock {
  now(): number;
}

/**
 * The vod plugin's clock: the system's, unless a test installs another (to cross a quota day at
 * will without touching Date.now for the whole backend: its scheduler, rate limits, simulator).
 * Not exported from the package; VOD call pacing keeps the real clock.
 */
export const vodClockServiceRef = createServiceRef<VodClock>({
  id: 'vod.clock',
  scope: 'plugin',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => ({ now: () => Date.now() }),
    }),
});
