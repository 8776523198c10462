// The entity card's tests share these: the entity, canned prefetches and quotas, a fake vod
// API recording its calls, and the card rendered in a test app.
import type { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  Prefetch,
  PrefetchList,
  Quota,
} from '@mediaops/backstage-plugin-vod-common';
import { VodApi, vodApiRef } from '../../../api';
import { rootRouteRef } from '../../../routes';
import { EntityVodPrefetchCard } from '../EntityVodPrefetchCard';

export const ASSET = 'f488337c31c8e4622f1590735b134c65';
export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'trailer',
    namespace: 'default',
    title: 'Winter trailer',
    annotations: { 'vod.huaweicloud.com/asset-id': ASSET },
  },
  spec: { type: 'media-asset', owner: 'group:default/content-operations' },
};

export const quota = (over: Partial<Quota> = {}): Quota => ({
  account: 'main',
  limit: 1000,
  used: 12,
  remaining: 988,
  resetsAt: '2026-11-26T16:00:00.000Z',
  queued: 0,
  ...over,
});

let n = 0;
export const prefetch = (over: Partial<Prefetch> = {}): Prefetch => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  status: 'succeeded',
  account: 'main',
  entityRef: 'resource:default/trailer',
  assetId: ASSET,
  createdBy: 'user:default/guest',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:01:00.000Z',
  possibleDuplicate: false,
  ...over,
});

/** The vod API with canned answers, recording every call. */
export function fakeApi(answers: {
  list?: () => Promise<PrefetchList>;
  quota?: () => Promise<Quota>;
  get?: (id: string) => Promise<Prefetch>;
  create?: () => Promise<Prefetch>;
}) {
  const calls: string[] = [];
  const keys: Array<string | undefined> = [];
  const api: VodApi = {
    listPrefetches: async query => {
      calls.push(`list ${JSON.stringify(query)}`);
      return (answers.list ?? (async () => ({ items: [] })))();
    },
    getQuota: async of => {
      calls.push(`quota ${JSON.stringify(of)}`);
      return (answers.quota ?? (async () => quota()))();
    },
    getPrefetch: async id => {
      calls.push(`get ${id}`);
      return answers.get!(id);
    },
    createPrefetch: async (request, options) => {
      calls.push(`create ${JSON.stringify(request)}`);
      keys.push(options?.idempotencyKey);
      return (
        answers.create ?? (async () => prefetch({ status: 'pending' }))
      )();
    },
    getAccounts: async () => [],
  };
  return { api, calls, keys };
}

export async function renderCard(
  api: VodApi,
  options: { allowed?: boolean; readOnly?: boolean; entity?: Entity } = {},
) {
  await renderInTestApp(
    <EntityProvider entity={options.entity ?? entity}>
      <EntityVodPrefetchCard />
    </EntityProvider>,
    {
      apis: [
        [vodApiRef, api],
        mockApis.permission({
          authorize:
            options.allowed === false
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        }),
      ],
      config: { vod: { frontend: { readOnly: options.readOnly ?? false } } },
      mountedRoutes: { '/vod': convertLegacyRouteRef(rootRouteRef) },
    },
  );
}

export const never = () => new Promise<never>(() => {});
