import {
  ConflictError,
  CustomErrorBase,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  VOD_ACCOUNT_ANNOTATION,
  VOD_ASSET_ID_ANNOTATION,
} from '@mediaops/backstage-plugin-vod-common';
import type { VodAccount } from './VodAccounts';

/** The account's daily quota cannot take this prefetch: 429, with when it resets. */
export class QuotaExceededError extends CustomErrorBase {
  name = 'QuotaExceededError' as const;
  /** Read by Backstage's error handler as the response status. */
  readonly statusCode = 429;
}

/** A caller holds as many waiting reads open as one may: 429. */
export class TooManyWaitsError extends CustomErrorBase {
  name = 'TooManyWaitsError' as const;
  /** Read by Backstage's error handler as the response status. */
  readonly statusCode = 429;
}

/**
 * A request body that cannot be read as it was sent: 415 (Content-Type, charset or
 * Content-Encoding), 413 (too large) or 400 (not what its Content-Encoding says). The message
 * names the header or the body.
 */
export class UnreadableBodyError extends CustomErrorBase {
  name = 'UnreadableBodyError' as const;

  constructor(
    /** Read by Backstage's error handler as the response status. */
    readonly statusCode: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

const quotaOf = (account: string) =>
  `The daily prefetch quota of account ${account}`;
const resetsAt = (at: Date) => `It resets at ${at.toISOString()}.`;

/**
 * Every refusal of a create or a read, worded in one place. An entity the caller may not see is
 * never named: "no such entity" and "an entity you may not see" read the same.
 */
export const refuse = {
  noEntity: (ref: string) =>
    new NotFoundError(
      `entityRef: there is no entity ${ref} (or you may not see it)`,
    ),
  noAnnotation: (ref: string) =>
    new InputError(
      `entityRef: ${ref} has no valid ${VOD_ASSET_ID_ANNOTATION} annotation (32 hexadecimal characters)`,
    ),
  notItsAsset: (ref: string, asked: string, assetId: string) =>
    new InputError(
      `assetId: ${asked} is not the asset of ${ref} (${assetId}); leave assetId out to prefetch the entity's asset`,
    ),
  unknownEntityAccount: (ref: string, name: string) =>
    new InputError(
      `entityRef: ${ref} names VOD account "${name}" in ${VOD_ACCOUNT_ANNOTATION}, which is not configured`,
    ),
  /** `account` is not the entity's; a create also says what to ask instead. */
  notItsAccount: (ref: string, name: string, options: { advise?: boolean }) =>
    new InputError(
      `account: ${ref} is prefetched with account ${name}${
        options.advise ? `; leave account out or name ${name}` : ''
      }`,
    ),
  unknownAccount: (name: string) =>
    new InputError(`account: there is no VOD account named "${name}"`),
  mayNotCreate: (ref: string) =>
    new NotAllowedError(`You may not prefetch ${ref} (vod.prefetch.create)`),
  mayNotCreateHidden: (assetId: string) =>
    new NotAllowedError(
      `You may not prefetch asset ${assetId}: it belongs to a catalog entity you may not prefetch (vod.prefetch.create)`,
    ),
  ambiguousAsset: (assetId: string) =>
    new NotAllowedError(
      `You may not prefetch asset ${assetId} by its id: more than one catalog entity names it, so it counts as belonging to none (vod.prefetch.adhoc.create); prefetch the entity you mean by entityRef`,
    ),
  mayNotAdhoc: () =>
    new NotAllowedError(
      'You may not prefetch assets or URLs that belong to no catalog entity (vod.prefetch.adhoc.create)',
    ),
  foreignUrl: (ref: string, index: number, url: string, assetId: string) =>
    new NotAllowedError(
      `urls[${index}]: ${url} is not a URL of ${ref}'s asset (/asset/${assetId}/…); prefetching other URLs needs vod.prefetch.adhoc.create`,
    ),
  tooManyUrls: (max: number, count: number) =>
    new InputError(`urls: at most ${max} URLs per prefetch, got ${count}`),
  assetsOnly: (account: string) =>
    new InputError(
      `urls: account ${account} allows no URL prefetches, only assets`,
    ),
  outsideAllowList: (index: number, url: string, account: VodAccount) =>
    new InputError(
      `urls[${index}]: ${url} is outside the URLs account ${
        account.config.name
      } may prefetch (${account.config.allowedUrls.spelled.join(', ')})`,
    ),
  keyReused: () =>
    new ConflictError(
      'Idempotency-Key: this key was already used with a different request; use a new key',
    ),
  /** Over quota, told to whoever may read the account's figures. */
  quotaUsedUp: (
    account: { name: string; dailyQuota: number },
    used: number,
    units: number,
    resets: Date,
  ) =>
    new QuotaExceededError(
      `${quotaOf(account.name)} is used up: ${used} of ${
        account.dailyQuota
      } used, this prefetch needs ${units}. ${resetsAt(resets)}`,
    ),
  /** Over quota, told without the account's figures. */
  quotaCannotTake: (account: string, units: number, resets: Date) =>
    new QuotaExceededError(
      `${quotaOf(account)} cannot take this prefetch of ${units}. ${resetsAt(
        resets,
      )}`,
    ),
  noPrefetch: (id: string) => new NotFoundError(`There is no prefetch ${id}`),
  /** The prefetches of an entity, or (without one) ad-hoc prefetches of others. */
  mayNotRead: (entityRef: string | undefined) =>
    new NotAllowedError(
      entityRef
        ? `You may not see the prefetches of ${entityRef} (vod.prefetch.read)`
        : 'You may not see prefetches that belong to no catalog entity and that you did not start (vod.prefetch.adhoc.read)',
    ),
  /** A seed route's project id is no account's. */
  noProjectAccount: (projectId: string) =>
    new NotFoundError(`No VOD account of this portal has project ${projectId}`),
  /** A seed query's task is none of this portal's, or one the caller may not see. */
  noVodTask: (taskId: string) =>
    new NotFoundError(
      `task_id: no prefetch of this portal has VOD task ${taskId}`,
    ),
  mayNotReadAccounts: () =>
    new NotAllowedError(
      'You may not see the VOD accounts or their quota (vod.prefetch.read or vod.prefetch.adhoc.read)',
    ),
};
