import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { vodPermissions } from '@mediaops/backstage-plugin-vod-common';
import { DatabaseVodStore } from './database/DatabaseVodStore';
import { systemClock } from './huaweicloud/RateLimiter';
import { CatalogLookup } from './service/CatalogLookup';
import { vodClockServiceRef } from './service/clock';
import { readVodConfig, watchVodConfig } from './service/config';
import { Dispatcher } from './service/Dispatcher';
import { Housekeeping } from './service/Housekeeping';
import { PermissionDecisions } from './service/PermissionDecisions';
import { Poller } from './service/Poller';
import { PrefetchAccess } from './service/PrefetchAccess';
import { PrefetchService } from './service/PrefetchService';
import { registerVodActions } from './service/actions';
import { PrefetchSignals } from './service/PrefetchSignals';
import { QuotaLedger } from './quota/QuotaLedger';
import { PrefetchWaits } from './service/PrefetchWaits';
import { createRouter } from './service/router';
import { SeedPrefetches } from './service/SeedPrefetches';
import { createSeedRouter } from './service/seedRouter';
import { TargetResolver } from './service/TargetResolver';
import { SharedRateLimiter } from './service/SharedRateLimiter';
import { VodAccounts } from './service/VodAccounts';

/**
 * The `vod` backend plugin: Huawei Cloud VOD CDN prefetch behind the portal's authentication.
 *
 * @public
 */
export const vodPlugin = createBackendPlugin({
  pluginId: 'vod',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        scheduler: coreServices.scheduler,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        clock: vodClockServiceRef,
      },
      async init(deps) {
        const { config, logger, httpRouter, scheduler, auth } = deps;
        const vodConfig = readVodConfig(config);
        const now = () => deps.clock.now();
        deps.permissionsRegistry.addPermissions(vodPermissions);

        const store = await DatabaseVodStore.create({
          database: deps.database,
          logger,
        });
        const signals = await PrefetchSignals.create({
          signals: deps.signals,
          logger,
          store,
        });
        store.onChange(changes => signals.changed(changes));
        const accounts = VodAccounts.fromConfig(vodConfig, {
          logger,
          sharedRate: (account, operation, local) =>
            new SharedRateLimiter(local, {
              store,
              account,
              operation,
              clock: systemClock,
              logger,
            }),
        });
        watchVodConfig(config, vodConfig, {
          apply: next => accounts.applyConfig(next),
          logger,
        });

        const quota = new QuotaLedger(store, vodConfig.quotaTimeZone);
        const lookups = {
          ttlMs: vodConfig.cacheTtlMs,
          timeoutMs: vodConfig.lookupTimeoutMs,
        };
        const permissions = new PermissionDecisions(
          deps.permissions,
          auth,
          lookups,
        );
        const catalog = new CatalogLookup(deps.catalog, auth, lookups);
        const access = new PrefetchAccess(permissions, auth);
        const dispatcher = new Dispatcher({
          store,
          accounts,
          quota,
          logger,
          now,
          firstPollDelayMs: vodConfig.polling.initialDelayMs,
          claimLeaseMs: vodConfig.claimLeaseMs,
          queueTimeoutMs: vodConfig.queueTimeoutMs,
        });
        const poller = new Poller({
          store,
          accounts,
          logger,
          now,
          initialDelayMs: vodConfig.polling.initialDelayMs,
          maxDelayMs: vodConfig.polling.maxDelayMs,
          expireAfterMs: vodConfig.polling.expireAfterMs,
        });
        const service = new PrefetchService({
          store,
          accounts,
          quota,
          dispatcher,
          targets: new TargetResolver({
            catalog,
            permissions,
            accounts,
            maxUrlsPerPrefetch: vodConfig.maxUrlsPerPrefetch,
          }),
          access,
          catalog,
          auditor: deps.auditor,
          config: vodConfig,
          signals,
          now,
        });
        const waits = new PrefetchWaits({
          prefetches: service,
          principalRef: credentials => access.principalRef(credentials),
          now,
        });
        store.onChange(changes => waits.changed(changes));
        registerVodActions(deps.actionsRegistry, service);
        const seed = new SeedPrefetches({
          service,
          store,
          dispatcher,
          accounts,
          access,
          config: vodConfig,
          now,
        });
        const housekeeping = new Housekeeping({
          store,
          retentionMs: vodConfig.retentionMs,
          now,
          logger,
        });

        httpRouter.use(createSeedRouter({ httpAuth: deps.httpAuth, seed }));
        httpRouter.use(
          await createRouter({ httpAuth: deps.httpAuth, service, waits }),
        );
        // Every route needs a Backstage user or service token, except the liveness probe.
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });

        // Recover interrupted calls, give up stale queued work, drain the outbox: at start-up
        // and then regularly, on every replica (claims are exclusive).
        await scheduler.scheduleTask({
          id: 'vod-dispatch',
          scope: 'local',
          frequency: { seconds: 30 },
          timeout: { minutes: 10 },
          fn: () => dispatcher.sweep(),
        });
        // Follow VOD tasks: one replica at a time.
        await scheduler.scheduleTask({
          id: 'vod-poll',
          scope: 'global',
          frequency: { milliseconds: vodConfig.polling.frequencyMs },
          timeout: { minutes: 5 },
          fn: async () => {
            await poller.poll();
          },
        });
        await scheduler.scheduleTask({
          id: 'vod-housekeeping',
          scope: 'global',
          frequency: { hours: 1 },
          timeout: { minutes: 10 },
          fn: async () => {
            await housekeeping.run();
          },
        });
        deps.lifecycle.addShutdownHook(async () => {
          await dispatcher.stop();
          await signals.stop();
          await accounts.close();
        });
      },
    });
  },
});
