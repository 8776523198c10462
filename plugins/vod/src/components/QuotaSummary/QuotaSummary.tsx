import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Flex, Text } from '@backstage/ui';
import type { Quota } from '@mediaops/backstage-plugin-vod-common';
import { vodTranslationRef } from '../../translation';
import { localTime } from '../format';

/**
 * An account's quota today: a bar labelled with its words (used of limit, what is left), when
 * it resets in the viewer's time zone, and how many calls wait for VOD.
 */
export function QuotaSummary({
  quota,
  label,
}: {
  quota: Quota;
  label: string;
}) {
  const { t } = useTranslationRef(vodTranslationRef);
  const words = t('card.quotaUsed', {
    used: String(quota.used),
    limit: String(quota.limit),
    remaining: String(quota.remaining),
  });
  return (
    <Flex direction="column" gap="1">
      <Flex align="center" gap="2">
        <Text variant="body-small">{label}:</Text>
        {quota.limit > 0 && (
          <progress
            value={quota.used}
            max={quota.limit}
            aria-label={`${label}: ${words}`}
            style={{ width: '10rem' }}
          />
        )}
      </Flex>
      <Text variant="body-small">
        {words} · {t('card.quotaResets', { time: localTime(quota.resetsAt) })}
        {quota.queued > 0 &&
          ` · ${t('card.queueDepth', { count: quota.queued })}`}
      </Text>
    </Flex>
  );
}
