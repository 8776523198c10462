import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { vodPermissions } from '@mediaops/backstage-plugin-vod-common';
import { DatabaseVodStore } from './database/DatabaseVodStore';
import { readVodConfig } from './service/config';
import { Dispatcher } from './service/Dispatcher';
import { Poller } from './service/Poller';
import { PrefetchService } from './service/PrefetchService';
import { QuotaLedger } from './service/QuotaLedger';
import { CatalogLookup } from './service/CatalogLookup';
import { PermissionDecisions } from './service/PermissionDecisions';
import { createRouter } from './service/router';
import { createSeedRouter } from './service/seedRouter';
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
      },
      async init(deps) {
        const { config, logger, httpRouter, scheduler } = deps;
        const vodConfig = readVodConfig(config);
        const now = () => Date.now();
        deps.permissionsRegistry.addPermissions(vodPermissions);

        const store = await DatabaseVodStore.create({
          database: deps.database,
        });
        const accounts = VodAccounts.fromConfig(vodConfig, { logger });
        // Rotated AK/SK credentials apply without a restart; other changes need one.
        config.subscribe?.(() => {
          try {
            accounts.updateCredentials(readVodConfig(config));
          } catch (error) {
            logger.error(
              `vod: new config rejected, keeping the credentials in use: ${error}`,
            );
          }
        });

        const { timeouts, retryAttempts, polling } = vodConfig;
        const dispatcher = new Dispatcher({
          store,
          accounts,
          logger,
          now,
          firstPollDelayMs: polling.initialDelayMs,
          // Longest a call can take with its retries; a claim older than that was interrupted.
          inFlightLeaseMs:
            (timeouts.connectMs +
              timeouts.headersMs +
              timeouts.bodyMs +
              5_000) *
            retryAttempts,
        });
        const poller = new Poller({
          store,
          accounts,
          logger,
          now,
          initialDelayMs: polling.initialDelayMs,
          maxDelayMs: polling.maxDelayMs,
          expireAfterMs: polling.expireAfterMs,
        });
        const service = new PrefetchService({
          store,
          accounts,
          quota: new QuotaLedger(store, vodConfig.quotaTimeZone),
          dispatcher,
          catalog: new CatalogLookup(
            deps.catalog,
            deps.auth,
            vodConfig.cacheTtlMs,
          ),
          permissions: new PermissionDecisions(
            deps.permissions,
            vodConfig.cacheTtlMs,
          ),
          auditor: deps.auditor,
          config: vodConfig,
          now,
        });

        httpRouter.use(createSeedRouter({ httpAuth: deps.httpAuth, service }));
        httpRouter.use(
          await createRouter({ httpAuth: deps.httpAuth, service }),
        );
        // Every route needs a Backstage user or service token, except the liveness probe.
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });

        // Re-queue interrupted calls and drain the outbox: at start-up and then regularly.
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
          frequency: { milliseconds: polling.frequencyMs },
          timeout: { minutes: 5 },
          fn: async () => {
            await poller.poll();
          },
        });
        deps.lifecycle.addShutdownHook(async () => {
          await dispatcher.stop();
          await accounts.close();
        });
      },
    });
  },
});
