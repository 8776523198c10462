import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { useTranslationRef } from '@backstage/frontend-plugin-api';
import {
  Alert,
  Button,
  Checkbox,
  Dialog,
  DialogBody,
  DialogFooter,
  DialogHeader,
  DialogTrigger,
  Flex,
  Radio,
  RadioGroup,
  Text,
} from '@backstage/ui';
import { getVodAssetId, Quota } from '@mediaops/backstage-plugin-vod-common';
import { useEffect, useId, useRef, useState } from 'react';
import { vodApiRef } from '../../api';
import { vodTranslationRef } from '../../translation';
import { localTime } from '../format';

/**
 * The Prefetch to CDN button and its confirmation dialog. The button is disabled, with the
 * reason written next to it, when the user may not prefetch (who may instead) or the day's
 * quota is used up (when it resets). The dialog says what is prefetched and what it costs.
 *
 * Each choice (the whole asset, or a set of renditions) is sent with one Idempotency-Key until a
 * prefetch succeeds: a double click, a retry after an error, or closing and reopening the dialog
 * while an answer is lost is the same prefetch to the backend; after a success, a new press is a
 * new prefetch.
 */
export function PrefetchButton(props: {
  entity: Entity;
  quota?: Quota;
  permission: { loading: boolean; allowed: boolean };
  onCreated(): void;
  onQuotaChanged(): void;
}) {
  const { entity, quota, permission } = props;
  const { t } = useTranslationRef(vodTranslationRef);
  const [open, setOpen] = useState(false);
  const keys = useRef(new Map<string, string>()); // choice -> its Idempotency-Key
  const keyFor = (choice: string) => {
    if (!keys.current.has(choice)) keys.current.set(choice, newKey());
    return keys.current.get(choice)!;
  };
  const forget = (choice: string) => keys.current.delete(choice);
  const reasonId = useId();
  const owner = String(entity.spec?.owner ?? '');
  let reason: string | undefined;
  if (permission.loading) reason = t('button.checking');
  else if (!permission.allowed) reason = t('button.notAllowed', { owner });
  else if (quota && quota.remaining === 0) {
    reason = t('button.quotaUsedUp', {
      account: quota.account,
      time: localTime(quota.resetsAt),
    });
  }
  return (
    <Flex direction="column" gap="1">
      <DialogTrigger isOpen={open} onOpenChange={setOpen}>
        <Button
          variant="primary"
          isDisabled={reason !== undefined}
          aria-describedby={reason ? reasonId : undefined}
        >
          {t('button.prefetch')}
        </Button>
        <Dialog>
          {open && (
            <PrefetchDialogContent
              {...props}
              keyFor={keyFor}
              forget={forget}
              onCreated={() => {
                keys.current.clear();
                props.onCreated();
              }}
              close={() => setOpen(false)}
            />
          )}
        </Dialog>
      </DialogTrigger>
      {reason && (
        <Text id={reasonId} variant="body-small">
          {reason}
        </Text>
      )}
    </Flex>
  );
}

function PrefetchDialogContent(props: {
  entity: Entity;
  quota?: Quota;
  onCreated(): void;
  onQuotaChanged(): void;
  keyFor(choice: string): string;
  /** The backend refused the choice and recorded nothing: its next send is a new prefetch. */
  forget(choice: string): void;
  close(): void;
}) {
  const { entity, quota, close, keyFor, forget } = props;
  const api = useApi(vodApiRef);
  const { t } = useTranslationRef(vodTranslationRef);
  const entityRef = stringifyEntityRef(entity);
  const assetId = getVodAssetId(entity)!;
  const [renditions, setRenditions] = useState<string[]>([]);
  const [what, setWhat] = useState<'asset' | 'renditions'>('asset');
  const [chosen, setChosen] = useState<string[]>([]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string>();

  // The renditions VOD reported for this asset last time, if it was prefetched before.
  useEffect(() => {
    let cancelled = false;
    api
      .listPrefetches({ entityRef, status: 'succeeded', limit: 1 })
      .then(list => list.items[0] && api.getPrefetch(list.items[0].id))
      .then(last => {
        const urls = (last?.tasks ?? []).flatMap(task =>
          task.results.map(r => r.url),
        );
        if (!cancelled) setRenditions([...new Set(urls)]);
      })
      .catch(() => {}); // choosing renditions is optional
    return () => {
      cancelled = true;
    };
  }, [api, entityRef]);

  const units = what === 'asset' ? 1 : chosen.length;
  const confirm = async () => {
    setSending(true);
    setError(undefined);
    const urls = [...chosen].sort();
    const choice = JSON.stringify([entityRef, what === 'asset' ? [] : urls]);
    try {
      await api.createPrefetch(
        what === 'asset' ? { entityRef } : { entityRef, urls },
        { idempotencyKey: keyFor(choice) },
      );
      props.onCreated();
      close();
    } catch (e) {
      // A 4xx recorded nothing; a network error or a 5xx may have: then the key stays.
      const status = e instanceof ResponseError ? e.statusCode : 0;
      if (status >= 400 && status < 500) forget(choice);
      const failure = failureOf(e, quota);
      if (failure.kind === 'quota') {
        setError(t('error.quota', { time: failure.resetsAt }));
      } else if (failure.kind === 'not-allowed') {
        setError(t('error.notAllowed', { message: failure.message }));
      } else {
        setError(t('error.failed', { message: failure.message }));
      }
      props.onQuotaChanged();
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      <DialogHeader>{t('dialog.title')}</DialogHeader>
      <DialogBody>
        <Flex direction="column" gap="3">
          <Text>
            {entity.metadata.title ?? entity.metadata.name} ·{' '}
            <code>{assetId}</code>
          </Text>
          <RadioGroup
            label={t('dialog.title')}
            value={what}
            onChange={value => setWhat(value as 'asset' | 'renditions')}
          >
            <Radio value="asset">{t('dialog.whole')}</Radio>
            {renditions.length > 0 && (
              <Radio value="renditions">{t('dialog.renditions')}</Radio>
            )}
          </RadioGroup>
          {what === 'renditions' &&
            renditions.map(url => (
              <Checkbox
                key={url}
                isSelected={chosen.includes(url)}
                onChange={on =>
                  setChosen(
                    on ? [...chosen, url] : chosen.filter(u => u !== url),
                  )
                }
              >
                <span style={{ wordBreak: 'break-all' }}>{url}</span>
              </Checkbox>
            ))}
          {quota && (
            <Text variant="body-small">
              {t('dialog.cost', {
                units: String(units),
                remaining: String(quota.remaining),
                account: quota.account,
              })}
            </Text>
          )}
          {error && <Alert status="danger" title={error} />}
        </Flex>
      </DialogBody>
      <DialogFooter>
        <Button variant="secondary" onPress={close}>
          {t('dialog.cancel')}
        </Button>
        <Button
          variant="primary"
          isPending={sending}
          isDisabled={units === 0}
          onPress={confirm}
        >
          {sending ? t('dialog.sending') : t('dialog.confirm')}
        </Button>
      </DialogFooter>
    </>
  );
}

/** What went wrong with a create, for words a person understands. */
function failureOf(
  error: unknown,
  quota?: Quota,
):
  | { kind: 'quota'; resetsAt: string }
  | { kind: 'not-allowed' | 'other'; message: string } {
  const message =
    error instanceof ResponseError
      ? error.body?.error?.message ?? error.message
      : String((error as Error)?.message ?? error);
  const status = error instanceof ResponseError ? error.statusCode : 0;
  if (status === 429) {
    // The quota day ends at the same time for every account: the card's quota says when.
    return {
      kind: 'quota',
      resetsAt: quota ? localTime(quota.resetsAt) : '',
    };
  }
  return { kind: status === 403 ? 'not-allowed' : 'other', message };
}

/** A random UUID, also where `crypto.randomUUID` is missing (pages not served over https). */
function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map(x => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(
    12,
    16,
  )}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
