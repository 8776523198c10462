import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Text } from '@backstage/ui';
import type { Prefetch } from '@mediaops/backstage-plugin-vod-common';
import type { ReactNode } from 'react';
import { vodTranslationRef } from '../../translation';
import type { LivePrefetches } from '../useLivePrefetches';

/**
 * A live list's prefetches, rendered by `children`, or what stands in for them: loading, `empty`,
 * or why they could not be loaded (said above them when some were loaded before).
 */
export function LiveItems(props: {
  live: LivePrefetches;
  empty: string;
  children(items: Prefetch[]): ReactNode;
}) {
  const { live } = props;
  const { t } = useTranslationRef(vodTranslationRef);
  const error = live.error && (
    <Text>{t('error.load', { message: live.error.message })}</Text>
  );
  if (!live.items) return error || <Text aria-busy>{t('card.loading')}</Text>;
  if (live.items.length === 0) return error || <Text>{props.empty}</Text>;
  return (
    <>
      {error}
      {props.children(live.items)}
    </>
  );
}
