import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  vodPermissions,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchCreatePermission,
  vodPrefetchReadPermission,
} from './permissions';

describe('vod permissions', () => {
  it('makes entity prefetch a resource permission on catalog entities', () => {
    expect(vodPrefetchCreatePermission.name).toBe('vod.prefetch.create');
    expect(
      isResourcePermission(vodPrefetchCreatePermission, 'catalog-entity'),
    ).toBe(true);
  });

  it('makes ad-hoc prefetch and read basic permissions', () => {
    expect(vodPrefetchAdhocCreatePermission).toMatchObject({
      type: 'basic',
      name: 'vod.prefetch.adhoc.create',
      attributes: { action: 'create' },
    });
    expect(vodPrefetchReadPermission).toMatchObject({
      type: 'basic',
      name: 'vod.prefetch.read',
      attributes: { action: 'read' },
    });
  });

  it('lists every permission once', () => {
    const names = vodPermissions.map(p => p.name);
    expect(new Set(names).size).toBe(3);
  });
});
