import { createTranslationRef } from '@backstage/frontend-plugin-api';

/**
 * Every word the vod plugin shows, in English. A translation (Huawei Cloud's users read Chinese)
 * is a resource for this ref, not a change to the components.
 *
 * @public
 */
export const vodTranslationRef = createTranslationRef({
  id: 'vod',
  messages: {
    card: {
      title: 'CDN prefetch',
      loading: 'Loading…',
      asset: 'Asset',
      account: 'VOD account',
      quota: 'Quota today',
      quotaUsed: '{{used}} of {{limit}} used, {{remaining}} left',
      quotaResets: 'resets {{time}}',
      queueDepth: '{{count}} call(s) waiting for VOD',
      latest: 'Latest prefetches',
      none: 'This asset has not been prefetched yet.',
      history: 'Full history',
      readOnly: 'Prefetching is switched off in this portal; history only.',
    },
    button: {
      prefetch: 'Prefetch to CDN',
      notAllowed:
        'You may not prefetch this asset: only its owners may ({{owner}}).',
      quotaUsedUp:
        "Today's quota of account {{account}} is used up. It resets {{time}}.",
      checking: 'Checking whether you may prefetch…',
    },
    dialog: {
      title: 'Prefetch to CDN',
      whole: 'The whole asset: every rendition VOD serves',
      renditions: 'Chosen renditions only',
      cost: 'Costs {{units}} of the {{remaining}} prefetches left today on account {{account}}.',
      cancel: 'Cancel',
      confirm: 'Prefetch',
      sending: 'Prefetching…',
    },
    stage: {
      pending: 'Queued in the portal',
      pendingAt: 'Queued in the portal: number {{position}} in line for VOD',
      processing: 'Accepted by VOD, warming the cache',
      succeeded: 'Cache warm',
      failed: 'Failed',
      partially_failed: 'Partly warm',
      expired: 'No answer from VOD in time',
    },
    row: {
      progress: '{{done}} of {{total}} URLs done',
      failedUrls: '{{failed}} failed',
      startedBy: 'by {{who}}',
      details: 'Details',
      hideDetails: 'Hide details',
      taskId: 'VOD task {{id}}',
      notYetAccepted: 'Not accepted by VOD yet',
      vodError: 'VOD said {{code}}: {{message}}',
      possibleDuplicate:
        'VOD may have received this prefetch twice (a call was interrupted).',
      urlSucceeded: 'warm',
      urlFailed: 'failed',
      urlProcessing: 'warming',
    },
    error: {
      quota: "Today's quota is used up. It resets {{time}}.",
      notAllowed: 'Not allowed: {{message}}',
      failed: 'The prefetch could not be started: {{message}}',
      load: 'Could not load prefetches: {{message}}',
      quotaLoad: 'Could not load the quota: {{message}}',
    },
    page: {
      title: 'CDN prefetch',
      all: 'All prefetches',
      quotas: 'Quota today per account',
      filters: 'Filters',
      account: 'Account',
      state: 'State',
      entity: 'Entity',
      who: 'Started by',
      any: 'Any',
      apply: 'Apply',
      clear: 'Clear',
      when: 'When',
      what: 'What',
      empty: 'No prefetches match these filters.',
      more: 'Older',
      first: 'Newest',
      urls: '{{count}} URL(s)',
      problem: 'Cannot reach VOD: {{message}}',
    },
  },
});
