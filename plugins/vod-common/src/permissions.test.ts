import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  vodPermissions,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchAdhocReadPermission,
  vodPrefetchCreatePermission,
  vodPrefetchReadPermission,
} from './permissions';

describe('vod permissions', () => {
  it.each([vodPrefetchCreatePermission, vodPrefetchReadPermission])(
    'makes $name a resource permission on catalog entities',
    permission => {
      expect(isResourcePermission(permission, 'catalog-entity')).toBe(true);
    },
  );

  it('makes ad-hoc prefetch and ad-hoc read basic permissions', () => {
    expect(vodPrefetchAdhocCreatePermission).toMatchObject({
      type: 'basic',
      name: 'vod.prefetch.adhoc.create',
      attributes: { action: 'create' },
    });
    expect(vodPrefetchAdhocReadPermission).toMatchObject({
      type: 'basic',
      name: 'vod.prefetch.adhoc.read',
      attributes: { action: 'read' },
    });
  });

  it('lists every permission once', () => {
    const names = vodPermissions.map(p => p.name);
    expect(names.sort()).toEqual([
      'vod.prefetch.adhoc.create',
      'vod.prefetch.adhoc.read',
      'vod.prefetch.create',
      'vod.prefetch.read',
    ]);
  });
});
