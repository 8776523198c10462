import type { Entity } from '@backstage/catalog-model';
import {
  getVodAccount,
  getVodAssetId,
  isVodMediaEntity,
  VOD_ACCOUNT_ANNOTATION,
  VOD_ASSET_ID_ANNOTATION,
} from './annotations';

function entity(annotations: Record<string, string> = {}): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: { name: 'launch-trailer', annotations },
    spec: { type: 'media-asset' },
  };
}

describe('VOD annotations', () => {
  it('reads a valid asset id, lower-cased and trimmed', () => {
    const e = entity({
      [VOD_ASSET_ID_ANNOTATION]: ' F488337C31C8E4622F1590735B134C65 ',
    });
    expect(getVodAssetId(e)).toBe('f488337c31c8e4622f1590735b134c65');
    expect(isVodMediaEntity(e)).toBe(true);
  });

  it('treats a missing or malformed asset id as no media entity', () => {
    expect(isVodMediaEntity(entity())).toBe(false);
    expect(
      isVodMediaEntity(entity({ [VOD_ASSET_ID_ANNOTATION]: 'not-an-id' })),
    ).toBe(false);
  });

  it('reads the account annotation, ignoring a blank one', () => {
    expect(getVodAccount(entity({ [VOD_ACCOUNT_ANNOTATION]: 'eu' }))).toBe(
      'eu',
    );
    expect(getVodAccount(entity({ [VOD_ACCOUNT_ANNOTATION]: '  ' }))).toBe(
      undefined,
    );
    expect(getVodAccount(entity())).toBe(undefined);
  });
});
