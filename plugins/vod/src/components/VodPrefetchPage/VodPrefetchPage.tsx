import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Button,
  Container,
  Flex,
  Select,
  Text,
  TextField,
} from '@backstage/ui';
import {
  AccountSummary,
  ListPrefetchesQuery,
  PrefetchStatus,
  prefetchStatusSchema,
  Quota,
} from '@mediaops/backstage-plugin-vod-common';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { vodApiRef } from '../../api';
import { vodTranslationRef } from '../../translation';
import { QuotaSummary } from '../QuotaSummary';
import { useLivePrefetches } from '../useLivePrefetches';
import { OnePrefetch } from './OnePrefetch';
import { PrefetchTable } from './PrefetchTable';

const PAGE_SIZE = 20;
const FILTERS = ['account', 'status', 'entityRef', 'createdBy'] as const;

/**
 * Every prefetch the user may read, newest first, a page at a time, with filters kept in the
 * URL (so a link shows the same list), each row opening on its VOD tasks and per-URL results;
 * and each account's quota today. Live like the card.
 *
 * @public
 */
export function VodPrefetchPage() {
  const [params] = useSearchParams();
  const id = params.get('id');
  return id ? <OnePrefetch id={id} /> : <AllPrefetches />;
}

function AllPrefetches() {
  const { t } = useTranslationRef(vodTranslationRef);
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  // The cursors of the pages before this one, for the filters in the URL they were made for:
  // other filters (Apply, Back, a link) start from the newest again.
  const [paging, setPaging] = useState<{ search: string; cursors: string[] }>({
    search,
    cursors: [],
  });
  const cursors = paging.search === search ? paging.cursors : [];
  const query: ListPrefetchesQuery = {
    limit: PAGE_SIZE,
    account: params.get('account') ?? undefined,
    status: (params.get('status') as PrefetchStatus | null) ?? undefined,
    entityRef: params.get('entityRef') ?? undefined,
    createdBy: params.get('createdBy') ?? undefined,
    cursor: cursors[cursors.length - 1],
  };
  const live = useLivePrefetches(query);

  return (
    <Container>
      <Flex direction="column" gap="5">
        <Quotas changes={live.changes} />
        <Filters
          key={search}
          values={
            Object.fromEntries(
              FILTERS.map(f => [f, params.get(f) ?? '']),
            ) as Record<(typeof FILTERS)[number], string>
          }
          onApply={values =>
            setParams(
              Object.fromEntries(Object.entries(values).filter(([, v]) => v)),
            )
          }
        />
        <PrefetchTable live={live} />
        <Flex gap="2">
          <Button
            variant="secondary"
            isDisabled={cursors.length === 0}
            onPress={() => setPaging({ search, cursors: [] })}
          >
            {t('page.first')}
          </Button>
          <Button
            variant="secondary"
            isDisabled={!live.nextCursor || live.loading}
            onPress={() =>
              setPaging({ search, cursors: [...cursors, live.nextCursor!] })
            }
          >
            {t('page.more')}
          </Button>
        </Flex>
      </Flex>
    </Container>
  );
}

/** How long the quotas wait after a change before they are read again (changes come in bursts). */
const QUOTA_REFRESH_MS = 1_000;

/** Each account's quota today, and whether it can reach VOD. */
function Quotas({ changes }: { changes: number }) {
  const api = useApi(vodApiRef);
  const { t } = useTranslationRef(vodTranslationRef);
  const [rows, setRows] = useState<Array<AccountSummary & { quota?: Quota }>>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(
      () =>
        api
          .getAccounts()
          .then(accounts =>
            Promise.all(
              accounts.map(async account => ({
                ...account,
                quota: await api.getQuota({ account: account.name }),
              })),
            ),
          )
          .then(
            all => {
              if (cancelled) return;
              setRows(all);
              setError(undefined);
            },
            e => !cancelled && setError(e),
          ),
      changes === 0 ? 0 : QUOTA_REFRESH_MS,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, changes]);
  return (
    <section aria-label={t('page.quotas')}>
      <Text as="h2" variant="title-small">
        {t('page.quotas')}
      </Text>
      {error && (
        <Text variant="body-small">
          {t('error.quotaLoad', { message: error.message })}
        </Text>
      )}
      {!rows && !error && <Text aria-busy>{t('card.loading')}</Text>}
      <Flex gap="5" style={{ flexWrap: 'wrap' }}>
        {rows?.map(({ name, quota, problem }) => (
          <Flex key={name} direction="column" gap="1">
            {quota && <QuotaSummary quota={quota} label={name} />}
            {problem && (
              <Text variant="body-small" color="danger">
                {t('page.problem', { message: problem.message })}
              </Text>
            )}
          </Flex>
        ))}
      </Flex>
    </section>
  );
}

function Filters(props: {
  values: Record<(typeof FILTERS)[number], string>;
  onApply(values: Record<string, string>): void;
}) {
  const { t } = useTranslationRef(vodTranslationRef);
  const [values, setValues] = useState(props.values);
  const set = (key: string) => (value: string) =>
    setValues(current => ({ ...current, [key]: value }));
  return (
    <form
      aria-label={t('page.filters')}
      onSubmit={e => {
        e.preventDefault();
        props.onApply(values);
      }}
    >
      <Flex gap="3" align="end" style={{ flexWrap: 'wrap' }}>
        <TextField
          label={t('page.account')}
          value={values.account}
          onChange={set('account')}
        />
        <Select
          label={t('page.state')}
          selectedKey={values.status || 'any'}
          onSelectionChange={key =>
            set('status')(key === 'any' ? '' : String(key))
          }
          options={[
            { value: 'any', label: t('page.any') },
            ...prefetchStatusSchema.options.map(status => ({
              value: status,
              label: t(`stage.${status}`),
            })),
          ]}
        />
        <TextField
          label={t('page.entity')}
          value={values.entityRef}
          onChange={set('entityRef')}
        />
        <TextField
          label={t('page.who')}
          value={values.createdBy}
          onChange={set('createdBy')}
        />
        <Button type="submit" variant="primary">
          {t('page.apply')}
        </Button>
        <Button
          variant="secondary"
          onPress={() => {
            const empty = {
              account: '',
              status: '',
              entityRef: '',
              createdBy: '',
            };
            setValues(empty);
            props.onApply(empty);
          }}
        >
          {t('page.clear')}
        </Button>
      </Flex>
    </form>
  );
}
