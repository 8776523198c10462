import { parseEntityRef } from '@backstage/catalog-model';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { Text, VisuallyHidden } from '@backstage/ui';
import type { Prefetch } from '@mediaops/backstage-plugin-vod-common';
import { Fragment, useId, useState } from 'react';
import { vodTranslationRef } from '../../translation';
import { localTime } from '../format';
import {
  DetailsButton,
  PrefetchDetails,
  PrefetchProgress,
  PrefetchStage,
} from '../PrefetchRow';
import { LiveItems } from '../LiveItems';
import type { LivePrefetches } from '../useLivePrefetches';

/** The prefetches as a table; a row opens on its tasks and per-URL results. */
export function PrefetchTable({
  live,
  open,
}: {
  live: LivePrefetches;
  /** Every row opened on its details. */
  open?: boolean;
}) {
  const { t } = useTranslationRef(vodTranslationRef);
  return (
    <LiveItems live={live} empty={t('page.empty')}>
      {items => (
        <table style={{ width: '100%', borderCollapse: 'collapse' }}>
          <thead>
            <tr style={{ textAlign: 'left' }}>
              <th scope="col">{t('page.state')}</th>
              <th scope="col">{t('page.what')}</th>
              <th scope="col">{t('page.account')}</th>
              <th scope="col">{t('page.who')}</th>
              <th scope="col">{t('page.when')}</th>
              <th scope="col">
                <VisuallyHidden>{t('row.details')}</VisuallyHidden>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map(prefetch => (
              <TableRow key={prefetch.id} prefetch={prefetch} open={open} />
            ))}
          </tbody>
        </table>
      )}
    </LiveItems>
  );
}

function TableRow(props: { prefetch: Prefetch; open?: boolean }) {
  const { prefetch } = props;
  const { t } = useTranslationRef(vodTranslationRef);
  const [open, setOpen] = useState(props.open ?? false);
  const detailsId = useId();
  const cell = { padding: '0.5rem 0.5rem 0.5rem 0', verticalAlign: 'top' };
  return (
    <Fragment>
      <tr
        style={{ borderTop: '1px solid var(--bui-border, #ddd)' }}
        data-prefetch-id={prefetch.id}
        data-status={prefetch.status}
      >
        <td style={cell}>
          <PrefetchStage prefetch={prefetch} />
          <PrefetchProgress prefetch={prefetch} />
        </td>
        <td style={cell}>
          {prefetch.entityRef ? (
            <EntityRefLink entityRef={parseEntityRef(prefetch.entityRef)} />
          ) : (
            <Text variant="body-small">
              {prefetch.assetId ??
                t('page.urls', { count: prefetch.urls?.length ?? 0 })}
            </Text>
          )}
        </td>
        <td style={cell}>
          <Text variant="body-small">{prefetch.account}</Text>
        </td>
        <td style={cell}>
          <Text variant="body-small">{prefetch.createdBy}</Text>
        </td>
        <td style={cell}>
          <Text variant="body-small">{localTime(prefetch.createdAt)}</Text>
        </td>
        <td style={cell}>
          <DetailsButton open={open} controls={detailsId} onToggle={setOpen} />
        </td>
      </tr>
      <tr id={detailsId} hidden={!open}>
        <td colSpan={6}>{open && <PrefetchDetails prefetch={prefetch} />}</td>
      </tr>
    </Fragment>
  );
}
