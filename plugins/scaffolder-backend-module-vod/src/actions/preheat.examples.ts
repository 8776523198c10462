import type { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

const step = (name: string, input: Record<string, unknown>) =>
  yaml.stringify({
    steps: [{ id: 'preheat', name, action: 'vod:preheat', input }],
  });

/** The examples shown on the portal's /create/actions page; a test runs each. */
export const examples: TemplateExample[] = [
  {
    description:
      "Warm a catalog entity's media asset and wait until VOD has warmed it",
    example: step('Warm the trailer', {
      entityRef: 'resource:default/winter-launch-trailer-2026',
    }),
  },
  {
    description:
      'Warm an asset by its VOD asset id (needs the right to prefetch outside the catalog)',
    example: step('Warm an asset', {
      assetId: 'c4a1e31b5ab93b2cbe6c3ec5bcb84b0c',
      timeoutSeconds: 600,
    }),
  },
  {
    description:
      'Warm a list of streaming URLs, failing the step if any of them fails',
    example: step('Warm the launch renditions', {
      urls: [
        'https://example.com/asset/launch/720p.m3u8',
        'https://example.com/asset/launch/1080p.m3u8',
      ],
      failOn: 'partially_failed',
    }),
  },
  {
    description:
      'Record the prefetch and go on without waiting (follow it on the CDN prefetch page)',
    example: step('Start warming the trailer', {
      entityRef: 'resource:default/winter-launch-trailer-2026',
      wait: false,
    }),
  },
];
