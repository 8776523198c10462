// The input of vod:preheat, checked by hand before anything is sent, and the create request it
// makes.
import { InputError } from '@backstage/errors';
import type { CreatePrefetchRequest } from '@mediaops/backstage-plugin-vod-common';
import type { VodPreheatInput } from './preheat';

/**
 * The longest wait: the step reads as the initiator, with the token the scaffolder keeps from the
 * task's start, which Backstage issues for an hour by default.
 */
export const MAX_TIMEOUT_SECONDS = 3_000;

const INPUTS: ReadonlyArray<keyof VodPreheatInput> = [
  'entityRef',
  'assetId',
  'urls',
  'account',
  'wait',
  'timeoutSeconds',
  'failOn',
];

/**
 * Refuses, naming the field, input the schema does not allow, before anything is sent: the
 * scaffolder checks the input against the schema, but the handler does not rely on it (an empty
 * string would otherwise read as left out, a wrong failOn fail the step only after prefetching).
 */
export function checkInput(input: unknown): void {
  const refuse = (what: string) => new InputError(`vod:preheat: ${what}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw refuse('the input must be an object');
  }
  const given = input as Record<string, unknown>;
  const unknown = Object.keys(given).filter(
    key => !(INPUTS as string[]).includes(key),
  );
  if (unknown.length) {
    throw refuse(
      `unknown input ${unknown
        .map(key => JSON.stringify(key))
        .join(', ')} (it takes ${INPUTS.join(', ')})`,
    );
  }
  for (const field of ['entityRef', 'assetId', 'account'] as const) {
    const value = given[field];
    if (value !== undefined && (typeof value !== 'string' || !value.trim())) {
      throw refuse(`${field} must be a non-empty string`);
    }
  }
  const { urls, wait, timeoutSeconds, failOn } = given;
  if (
    urls !== undefined &&
    (!Array.isArray(urls) ||
      !urls.length ||
      urls.some(url => typeof url !== 'string'))
  ) {
    throw refuse('urls must be a non-empty list of strings');
  }
  if (wait !== undefined && typeof wait !== 'boolean') {
    throw refuse('wait must be true or false');
  }
  if (
    timeoutSeconds !== undefined &&
    !(
      Number.isInteger(timeoutSeconds) &&
      (timeoutSeconds as number) >= 1 &&
      (timeoutSeconds as number) <= MAX_TIMEOUT_SECONDS
    )
  ) {
    throw refuse(
      `timeoutSeconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS}`,
    );
  }
  if (
    failOn !== undefined &&
    failOn !== 'failed' &&
    failOn !== 'partially_failed'
  ) {
    throw refuse('failOn must be failed or partially_failed');
  }
}

/** The create request of the input: exactly one of entityRef (with urls or not), assetId, urls. */
export function requestOf(input: {
  entityRef?: string;
  assetId?: string;
  urls?: string[];
  account?: string;
}): CreatePrefetchRequest {
  const { entityRef, assetId, urls, account } = input;
  if (entityRef === undefined && assetId === undefined && urls === undefined) {
    throw new InputError('vod:preheat needs one of entityRef, assetId or urls');
  }
  if (
    assetId !== undefined &&
    (entityRef !== undefined || urls !== undefined)
  ) {
    throw new InputError(
      'vod:preheat: assetId goes alone; with an entity, give entityRef (and urls under its asset)',
    );
  }
  return {
    ...(entityRef !== undefined && { entityRef }),
    ...(assetId !== undefined && { assetId }),
    ...(urls !== undefined && { urls }),
    ...(account !== undefined && { account }),
  };
}
