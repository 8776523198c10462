import { useApi } from '@backstage/core-plugin-api';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import { Button, Flex, Text } from '@backstage/ui';
import type { Prefetch } from '@mediaops/backstage-plugin-vod-common';
import {
  RiCheckboxCircleLine,
  RiCloseCircleLine,
  RiErrorWarningLine,
  RiLoader4Line,
  RiTimeLine,
} from '@remixicon/react';
import { useEffect, useId, useState } from 'react';
import { vodApiRef } from '../../api';
import { vodTranslationRef } from '../../translation';
import { localTime } from '../format';

const ICONS = {
  pending: RiTimeLine,
  processing: RiLoader4Line,
  succeeded: RiCheckboxCircleLine,
  failed: RiCloseCircleLine,
  partially_failed: RiErrorWarningLine,
  expired: RiErrorWarningLine,
};

/** Which stage a prefetch is at, in plain words: accepted by VOD is not yet warm. */
export function PrefetchStage({ prefetch }: { prefetch: Prefetch }) {
  const { t } = useTranslationRef(vodTranslationRef);
  const Icon = ICONS[prefetch.status];
  const label =
    prefetch.status === 'pending' && prefetch.queuePosition
      ? t('stage.pendingAt', { position: String(prefetch.queuePosition) })
      : t(`stage.${prefetch.status}`);
  return (
    <Flex align="center" gap="1">
      <Icon size={16} aria-hidden />
      <Text weight="bold">{label}</Text>
    </Flex>
  );
}

/** The URLs VOD reported done, as a bar and in words (never by colour alone). */
export function PrefetchProgress({ prefetch }: { prefetch: Prefetch }) {
  const { t } = useTranslationRef(vodTranslationRef);
  const progress = prefetch.progress;
  if (!progress || progress.total === 0) return null;
  const done = progress.succeeded + progress.failed;
  const words = t('row.progress', {
    done: String(done),
    total: String(progress.total),
  });
  return (
    <Flex align="center" gap="2">
      {prefetch.status === 'processing' && (
        <progress
          value={done}
          max={progress.total}
          aria-label={words}
          style={{ width: '8rem' }}
        />
      )}
      <Text variant="body-small">
        {words}
        {progress.failed > 0 &&
          ` · ${t('row.failedUrls', { failed: String(progress.failed) })}`}
      </Text>
    </Flex>
  );
}

/**
 * One prefetch: its stage, when and by whom, its progress, and on demand its VOD tasks with each
 * URL's state and VOD's reason for a failure.
 */
export function PrefetchRow({ prefetch }: { prefetch: Prefetch }) {
  const { t } = useTranslationRef(vodTranslationRef);
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  return (
    <Flex direction="column" gap="1" style={{ padding: '0.5rem 0' }}>
      <Flex justify="between" align="center" gap="2">
        <PrefetchStage prefetch={prefetch} />
        <DetailsButton open={open} controls={detailsId} onToggle={setOpen} />
      </Flex>
      <Text variant="body-small" color="secondary">
        {localTime(prefetch.createdAt)} ·{' '}
        {t('row.startedBy', { who: prefetch.createdBy })}
      </Text>
      <PrefetchProgress prefetch={prefetch} />
      {prefetch.error && (
        <Text variant="body-small">
          {t('row.vodError', {
            code: prefetch.error.code,
            message: prefetch.error.message,
          })}
        </Text>
      )}
      {prefetch.possibleDuplicate && (
        <Text variant="body-small">{t('row.possibleDuplicate')}</Text>
      )}
      <div id={detailsId}>
        {open && <PrefetchDetails prefetch={prefetch} />}
      </div>
    </Flex>
  );
}

/** Opens and closes a prefetch's details (`controls`: their element's id). */
export function DetailsButton(props: {
  open: boolean;
  controls: string;
  onToggle(open: boolean): void;
}) {
  const { t } = useTranslationRef(vodTranslationRef);
  return (
    <Button
      variant="tertiary"
      size="small"
      aria-expanded={props.open}
      aria-controls={props.controls}
      onPress={() => props.onToggle(!props.open)}
    >
      {props.open ? t('row.hideDetails') : t('row.details')}
    </Button>
  );
}

/** A prefetch's VOD tasks and each URL's state, fetched when first shown (and on change). */
export function PrefetchDetails({ prefetch }: { prefetch: Prefetch }) {
  const api = useApi(vodApiRef);
  const { t } = useTranslationRef(vodTranslationRef);
  const [full, setFull] = useState<Prefetch | undefined>(
    prefetch.tasks ? prefetch : undefined,
  );
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let cancelled = false;
    api.getPrefetch(prefetch.id).then(
      fresh => !cancelled && setFull(fresh),
      e => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, prefetch.id, prefetch.updatedAt]);
  if (error) {
    return <Text>{t('error.load', { message: error.message })}</Text>;
  }
  if (!full?.tasks) return <Text aria-busy>{t('card.loading')}</Text>;
  const urlState = {
    succeed: t('row.urlSucceeded'),
    failed: t('row.urlFailed'),
    processing: t('row.urlProcessing'),
  };
  return (
    <ul style={{ margin: 0, paddingLeft: '1.25rem' }}>
      {full.tasks.map((task, i) => (
        <li key={i}>
          <Text variant="body-small">
            {task.taskId
              ? t('row.taskId', { id: task.taskId })
              : t('row.notYetAccepted')}{' '}
            · {t(`stage.${task.status}`)}
            {task.error &&
              ` · ${t('row.vodError', {
                code: task.error.code,
                message: task.error.message,
              })}`}
          </Text>
          {task.results.length > 0 && (
            <ul style={{ margin: 0, paddingLeft: '1.25rem' }}>
              {task.results.map(result => (
                <li key={result.url}>
                  <Text variant="body-small" style={{ wordBreak: 'break-all' }}>
                    {urlState[result.status]}: {result.url}
                  </Text>
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}
