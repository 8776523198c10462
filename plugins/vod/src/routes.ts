import { createRouteRef } from '@backstage/core-plugin-api';

/** The prefetch page, `/vod` by default (both frontend systems). @public */
export const rootRouteRef = createRouteRef({ id: 'vod' });
