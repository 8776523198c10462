import { stringifyEntityRef } from '@backstage/catalog-model';
import { configApiRef, useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import { Card, CardBody, CardHeader, Flex, Link, Text } from '@backstage/ui';
import {
  getVodAccount,
  getVodAssetId,
  Quota,
  vodPrefetchCreatePermission,
} from '@mediaops/backstage-plugin-vod-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { vodApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { vodTranslationRef } from '../../translation';
import { PrefetchRow } from '../PrefetchRow';
import { QuotaSummary } from '../QuotaSummary';
import { LiveItems } from '../LiveItems';
import { LivePrefetches, useLivePrefetches } from '../useLivePrefetches';
import { PrefetchButton } from './PrefetchButton';

/** How many of the entity's latest prefetches the card shows. */
const LATEST = 5;

/**
 * The **Prefetch to CDN** card of a media entity (one with a `vod.huaweicloud.com/asset-id`
 * annotation): its asset and account, the account's quota today, the latest prefetches and
 * where each stands, live; and the button, or why there is none.
 *
 * @public
 */
export function EntityVodPrefetchCard() {
  const { entity } = useEntity();
  const { t } = useTranslationRef(vodTranslationRef);
  const api = useApi(vodApiRef);
  const readOnly =
    useApi(configApiRef).getOptionalBoolean('vod.frontend.readOnly') ?? false;
  const historyLink = useRouteRef(rootRouteRef);
  const entityRef = stringifyEntityRef(entity);
  const assetId = getVodAssetId(entity);

  const live = useLivePrefetches({ entityRef, limit: LATEST });
  const [quota, setQuota] = useState<Quota>();
  const [quotaError, setQuotaError] = useState<Error>();
  const quotaAsked = useRef(0); // the newest quota request; older answers are dropped
  const loadQuota = useCallback(() => {
    const mine = ++quotaAsked.current;
    api.getQuota({ entityRef }).then(
      fresh => {
        if (mine !== quotaAsked.current) return;
        setQuota(fresh);
        setQuotaError(undefined);
      },
      error => mine === quotaAsked.current && setQuotaError(error),
    );
  }, [api, entityRef]);
  // On mount, and whenever this entity's prefetches changed state (spent or refunded quota).
  useEffect(loadQuota, [loadQuota, live.changes]);

  const permission = usePermission({
    permission: vodPrefetchCreatePermission,
    resourceRef: entityRef,
  });

  return (
    <Card>
      <CardHeader>
        <Text as="h2" variant="title-small">
          {t('card.title')}
        </Text>
      </CardHeader>
      <CardBody>
        <Flex direction="column" gap="3">
          <Flex gap="4">
            <Text variant="body-small">
              {t('card.asset')}: <code>{assetId}</code>
            </Text>
            <Text variant="body-small">
              {t('card.account')}:{' '}
              {quota?.account ?? getVodAccount(entity) ?? t('card.loading')}
            </Text>
          </Flex>
          <QuotaLine quota={quota} error={quotaError} />
          {readOnly ? (
            <Text variant="body-small">{t('card.readOnly')}</Text>
          ) : (
            <PrefetchButton
              entity={entity}
              quota={quota}
              permission={permission}
              onCreated={() => {
                live.reload();
                loadQuota();
              }}
              onQuotaChanged={loadQuota}
            />
          )}
          <Text as="h3" variant="title-x-small">
            {t('card.latest')}
          </Text>
          <LatestPrefetches live={live} />
          {historyLink && (
            <Link
              href={`${historyLink()}?entityRef=${encodeURIComponent(
                entityRef,
              )}`}
            >
              {t('card.history')}
            </Link>
          )}
        </Flex>
      </CardBody>
    </Card>
  );
}

function QuotaLine({ quota, error }: { quota?: Quota; error?: Error }) {
  const { t } = useTranslationRef(vodTranslationRef);
  return (
    <>
      {error && (
        <Text variant="body-small">
          {t('error.quotaLoad', { message: error.message })}
        </Text>
      )}
      {quota ? (
        <QuotaSummary quota={quota} label={t('card.quota')} />
      ) : (
        !error && (
          <Text variant="body-small" aria-busy>
            {t('card.loading')}
          </Text>
        )
      )}
    </>
  );
}

function LatestPrefetches({ live }: { live: LivePrefetches }) {
  const { t } = useTranslationRef(vodTranslationRef);
  return (
    <LiveItems live={live} empty={t('card.none')}>
      {items => (
        <ul
          aria-label={t('card.latest')}
          style={{ listStyle: 'none', margin: 0, padding: 0 }}
        >
          {items.map(prefetch => (
            <li
              key={prefetch.id}
              data-prefetch-id={prefetch.id}
              data-status={prefetch.status}
            >
              <PrefetchRow prefetch={prefetch} />
            </li>
          ))}
        </ul>
      )}
    </LiveItems>
  );
}
