import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Response as PageResponse } from 'playwright-core';
import {
  BACKEND_URL,
  FRONTEND_URL,
  guestToken,
  openBrowser,
  signInAsGuest,
} from './browser';

// Issue 13, "Secrets": the portal's VOD accounts hold canary credentials (scripts/e2e.sh makes
// them fresh each run; e2e/app-config.e2e.yaml puts them in the config): the SK and security
// token of an AK/SK account, an IAM user's password, and an SK and a password that VOD and IAM
// refuse. The demo's flows run with them — the vod API on every account (create, read, list,
// quota, dry run, the seed routes, an unknown asset, refused credentials), the template (its task
// log), the MCP actions and the card and pages in chromium — and then every answer, the portal's
// whole log at debug level (audit events included; this file runs after the others, see
// e2e/sequencer.js, so the log holds their flows too), the frontend code the browser loaded and
// the config the frontend is served must hold none of them, in any of the encodings of forms().
// The e2e portal serves the frontend's development build from memory (there is no
// packages/app/dist), so the code scanned is every script chromium loaded, and the config is the
// one injected into index.html.

const CANARIES: Record<string, string> = {
  'AK of main': 'E2E_CANARY_AK',
  'SK of main': 'E2E_CANARY_SK',
  'security token of main': 'E2E_CANARY_STS',
  'IAM password of iam': 'E2E_CANARY_PW',
  'SK of refused-sk': 'E2E_CANARY_SK_REFUSED',
  'security token of refused-sk': 'E2E_CANARY_STS_REFUSED',
  'IAM password of refused-iam': 'E2E_CANARY_PW_REFUSED',
};
/** The IAM tokens the simulator issues (`MIIsim` and hex, like IAM's `MII…`): never shown either. */
const IAM_TOKEN = /MIIsim[0-9a-f]{16,}/;
/** The portal's log, as scripts/e2e.sh writes it. */
const PORTAL_LOG =
  process.env.E2E_PORTAL_LOG ??
  resolve(__dirname, '..', '.ci-out', 'e2e-portal.log');

const TRAILER = 'resource:default/winter-launch-trailer-2026';
/** Owned by content-operations: the guest may not prefetch it. */
const EPISODE = 'resource:default/coastlines-s01e01';
/** An asset the simulator has and no entity names (scripts/e2e.sh). */
const ADHOC_ASSET = 'e2e0000000000000000000000000a55e';
/** An asset VOD does not know. */
const UNKNOWN_ASSET = '0000000000000000000000000000dead';

function canaries(): Array<[name: string, value: string]> {
  return Object.entries(CANARIES).map(([name, variable]) => {
    const value = process.env[variable];
    if (!value?.startsWith('CANARY-')) {
      throw new Error(
        `${variable} is not set: run the e2e tests with scripts/e2e.sh, which makes the canaries`,
      );
    }
    return [name, value];
  });
}

/**
 * The forms a secret may take in text: as it is, JSON-, URL-, form- and hex-encoded, base64 and
 * base64url at each of the three alignments it may have inside a longer encoded string, and its
 * random part alone (which any copy that keeps that part as it is also holds).
 */
function forms(secret: string): Array<[form: string, text: string]> {
  const found = new Map<string, string>();
  const add = (form: string, text: string) => {
    if (text.length >= 12 && !found.has(text)) found.set(text, form);
  };
  add('as is', secret);
  add('JSON-escaped', JSON.stringify(secret).slice(1, -1));
  add('URL-encoded', encodeURIComponent(secret));
  add('form-encoded', new URLSearchParams({ s: secret }).toString().slice(2));
  add('hex-encoded', Buffer.from(secret).toString('hex'));
  for (let offset = 0; offset < 3; offset++) {
    const bytes = Buffer.concat([
      Buffer.alloc(offset, 0x20),
      Buffer.from(secret),
    ]);
    // The characters that encode only the secret's bytes: the first group also holds the
    // padding, the last one the bytes after the secret.
    const from = offset === 0 ? 0 : 4;
    const to = Math.floor(bytes.length / 3) * 4;
    add(`base64 (offset ${offset})`, bytes.toString('base64').slice(from, to));
    add(
      `base64url (offset ${offset})`,
      bytes.toString('base64url').slice(from, to),
    );
  }
  const random = /[0-9a-f]{20}/.exec(secret)?.[0];
  if (random) add('its random part', random);
  return [...found].map(([text, form]) => [form, text]);
}

/** One thing the portal gave out: an answer, a log line, a chunk of frontend code. */
interface Seen {
  where: string;
  text: string;
}

interface Hit {
  secret: string;
  form: string;
  where: string;
  context: string;
}

function scan(items: Seen[]): Hit[] {
  const needles = canaries().flatMap(([name, value]) =>
    forms(value).map(([form, text]) => ({ name, form, text })),
  );
  const hits: Hit[] = [];
  for (const { where, text } of items) {
    for (const needle of needles) {
      const at = text.indexOf(needle.text);
      if (at >= 0) {
        hits.push({
          secret: needle.name,
          form: needle.form,
          where,
          context: text.slice(Math.max(0, at - 120), at + 160),
        });
        // One hit per secret and place is enough to find it.
        break;
      }
    }
    const token = IAM_TOKEN.exec(text);
    if (token) {
      hits.push({
        secret: 'an IAM token (X-Auth-Token)',
        form: 'as is',
        where,
        context: text.slice(Math.max(0, token.index - 120), token.index + 160),
      });
    }
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// What the portal answered, collected as the flows run.
// ---------------------------------------------------------------------------------------------

const answers: Seen[] = [];
/** Bodies still being read, and how to stop reading one (an event stream may never end). */
const pending: Array<{ done: Promise<void>; stop: () => void }> = [];

function headersText(headers: Headers | Record<string, string>): string {
  const entries =
    headers instanceof Headers
      ? [...headers.entries()]
      : Object.entries(headers);
  return entries.map(([k, v]) => `${k}: ${v}`).join('\n');
}

/** fetch, keeping the status, headers and body (as far as it was read) of the answer. */
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const method = init?.method ?? 'GET';
  const url = input instanceof Request ? input.url : String(input);
  const seen: Seen = {
    where: `answer to ${method} ${url}`,
    text: `${res.status} ${res.statusText}\n${headersText(res.headers)}\n\n`,
  };
  answers.push(seen);
  const reader = res.clone().body?.getReader();
  if (reader) {
    const decoder = new TextDecoder();
    const done = (async () => {
      try {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          seen.text += decoder.decode(chunk.value, { stream: true });
        }
      } catch {
        // cancelled, or the connection went; what was read is kept
      }
    })();
    pending.push({ done, stop: () => void reader.cancel().catch(() => {}) });
  }
  return res;
};

let token = '';

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await recordingFetch(`${BACKEND_URL}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON; kept as text
  }
  return { status: res.status, body: parsed };
}

const ENDED = ['succeeded', 'failed', 'partially_failed', 'expired'];

async function followToEnd(id: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await api('GET', `/api/vod/prefetches/${id}`);
    if (ENDED.includes(body.status) || Date.now() > deadline) return body;
    await new Promise(r => setTimeout(r, 1000));
  }
}

async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 1000));
  }
}

// ---------------------------------------------------------------------------------------------

describe('no secret leaves the portal', () => {
  let scaffolderEvents = 0;
  let mcpResults = 0;
  let browserAnswers = 0;
  const frontendCode: Seen[] = [];
  let servedConfig = '';
  /** The template's task that warmed the trailer. */
  let templateTask = '';

  beforeAll(async () => {
    canaries(); // fails at once outside scripts/e2e.sh
    // The development backend restarts when a source file changes; start once it is back.
    token = await until(
      'the backend signs the guest in',
      () => guestToken().catch(() => ''),
      t => t !== '',
      180_000,
    );
  }, 200_000);

  it('the vod API on each account: create, read, list, quota, dry run, seed routes, errors', async () => {
    const accounts = await api('GET', '/api/vod/accounts');
    expect(accounts.status).toBe(200);
    expect(accounts.body.map((a: { name: string }) => a.name)).toEqual([
      'main',
      'iam',
      'refused-sk',
      'refused-iam',
    ]);

    for (const account of ['main', 'iam']) {
      const plan = await api('POST', '/api/vod/prefetches?dryRun=true', {
        account,
        assetId: ADHOC_ASSET,
      });
      expect(plan.status).toBe(200);
      const created = await api(
        'POST',
        '/api/vod/prefetches',
        { account, assetId: ADHOC_ASSET },
        { 'Idempotency-Key': randomUUID() },
      );
      expect(created.status).toBe(202);
      const byUrl = await api('POST', '/api/vod/prefetches', {
        account,
        urls: [`https://vod.example.com/asset/${ADHOC_ASSET}/e2e.mp4`],
      });
      expect(byUrl.status).toBe(202);
      // VOD refuses an asset it does not know: the prefetch fails, with VOD's reason.
      const unknown = await api('POST', '/api/vod/prefetches', {
        account,
        assetId: UNKNOWN_ASSET,
      });
      expect(unknown.status).toBe(202);

      expect((await followToEnd(created.body.id)).status).toBe('succeeded');
      expect((await followToEnd(byUrl.body.id)).status).toBe('succeeded');
      const failed = await followToEnd(unknown.body.id);
      expect(failed.status).toBe('failed');
      expect(JSON.stringify(failed)).toContain('does not exist');

      expect(
        (await api('GET', `/api/vod/prefetches?account=${account}`)).status,
      ).toBe(200);
      expect(
        (await api('GET', `/api/vod/quota?account=${account}`)).status,
      ).toBe(200);
      const projectId = accounts.body.find(
        (a: { name: string }) => a.name === account,
      ).projectId;
      const seed = await api(
        'POST',
        `/api/vod/v1.0/${projectId}/asset/preheating`,
        {
          asset_id: ADHOC_ASSET,
        },
      );
      expect(seed.status).toBe(202);
      expect(
        (
          await api(
            'GET',
            `/api/vod/v1.0/${projectId}/asset/preheating?task_id=${seed.body.task_id}`,
          )
        ).status,
      ).toBe(200);
    }
    expect(
      (await api('POST', '/api/vod/prefetches', { entityRef: TRAILER })).status,
    ).toBe(202);

    // Refused credentials: the prefetches wait, and the accounts tell why.
    for (const account of ['refused-sk', 'refused-iam']) {
      const created = await api('POST', '/api/vod/prefetches', {
        account,
        assetId: ADHOC_ASSET,
      });
      expect(created.status).toBe(202);
      expect(
        (await api('GET', `/api/vod/prefetches/${created.body.id}`)).status,
      ).toBe(200);
      expect(
        (await api('GET', `/api/vod/quota?account=${account}`)).status,
      ).toBe(200);
    }
    const problems = await until(
      'both refused accounts report their problem',
      async () => (await api('GET', '/api/vod/accounts')).body,
      (list: any[]) =>
        list.filter(a => a.name.startsWith('refused-') && a.problem).length ===
        2,
    );
    expect(
      problems
        .filter((a: any) => a.problem)
        .map((a: any) => a.problem.code)
        .sort(),
    ).toEqual(['IAM_CREDENTIALS_REFUSED', 'VOD_CREDENTIALS_REFUSED']);
    // A seed create on a refused account is given up unsent after its wait (10 s).
    const refusedSeed = await api(
      'POST',
      `/api/vod/v1.0/${
        problems.find((a: any) => a.name === 'refused-sk').projectId
      }/asset/preheating`,
      { asset_id: ADHOC_ASSET },
    );
    expect(refusedSeed.status).toBeGreaterThanOrEqual(400);

    // The other errors the API has: bad input, not found, not allowed, not signed in.
    expect(
      (
        await api('POST', '/api/vod/prefetches', {
          account: 'main',
          assetId: 'x',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api('POST', '/api/vod/prefetches', {
          account: 'nope',
          assetId: ADHOC_ASSET,
        })
      ).status,
    ).toBeGreaterThanOrEqual(400);
    expect(
      (await api('GET', `/api/vod/prefetches/${randomUUID()}`)).status,
    ).toBe(404);
    expect(
      (await api('POST', '/api/vod/prefetches', { entityRef: EPISODE })).status,
    ).toBe(403);
    const anonymous = await recordingFetch(`${BACKEND_URL}/api/vod/accounts`);
    expect(anonymous.status).toBe(401);
    expect((await api('GET', '/api/vod/health')).status).toBe(200);
  }, 300_000);

  it('the template and a dry run of vod:preheat, with their task logs', async () => {
    const runs: Array<[string, string]> = [];
    for (const [entityRef, outcome] of [
      [TRAILER, 'completed'],
      [EPISODE, 'failed'],
    ]) {
      const task = await api('POST', '/api/scaffolder/v2/tasks', {
        templateRef: 'template:default/warm-media-asset',
        values: { entityRef, wait: true },
      });
      expect(task.status).toBe(201);
      const ended = await until(
        `the task for ${entityRef} ends`,
        async () =>
          (
            await api('GET', `/api/scaffolder/v2/tasks/${task.body.id}`)
          ).body,
        (t: any) => ['completed', 'failed', 'cancelled'].includes(t.status),
        90_000,
      );
      runs.push([ended.status, outcome]);
      if (outcome === 'completed') templateTask = task.body.id;
      const events = await api(
        'GET',
        `/api/scaffolder/v2/tasks/${task.body.id}/events`,
      );
      expect(events.status).toBe(200);
      scaffolderEvents += events.body.length;
    }
    expect(runs.map(([status]) => status)).toEqual(runs.map(([, o]) => o));

    // A dry run on each account, refused ones included (a dry run only plans).
    for (const account of ['iam', 'refused-sk', 'refused-iam']) {
      const dry = await api('POST', '/api/scaffolder/v2/dry-run', {
        template: {
          apiVersion: 'scaffolder.backstage.io/v1beta3',
          kind: 'Template',
          metadata: { name: `secrets-e2e-${account}` },
          spec: {
            owner: 'group:default/media-platform',
            type: 'media',
            parameters: [],
            steps: [
              {
                id: 'preheat',
                name: 'Warm the asset',
                action: 'vod:preheat',
                input: { account, assetId: ADHOC_ASSET },
              },
            ],
          },
        },
        values: {},
        directoryContents: [],
      });
      expect(dry.status).toBe(200);
      expect(JSON.stringify(dry.body.log)).toContain('Dry run');
      scaffolderEvents += dry.body.log.length;
    }
    expect(scaffolderEvents).toBeGreaterThan(5);
  }, 300_000);

  it('the vod actions over MCP, on each account', async () => {
    const client = new Client({ name: 'vod-secrets-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(
        new URL(`${BACKEND_URL}/api/mcp-actions/v1`),
        {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
          fetch: recordingFetch,
        },
      ),
    );
    const call = async (name: string, args: Record<string, unknown>) => {
      const result: any = await client.callTool({ name, arguments: args });
      mcpResults += 1;
      answers.push({
        where: `MCP result of ${name} ${JSON.stringify(args)}`,
        text: JSON.stringify(result),
      });
      return result;
    };
    try {
      await client.listTools();
      const ids: string[] = [];
      for (const account of ['main', 'iam', 'refused-sk', 'refused-iam']) {
        const plan = await call('vod.prefetch-create', {
          account,
          assetId: ADHOC_ASSET,
          dryRun: true,
        });
        expect(plan.isError).toBeFalsy();
        const created = await call('vod.prefetch-create', {
          account,
          assetId: ADHOC_ASSET,
          idempotencyKey: randomUUID(),
        });
        expect(created.isError).toBeFalsy();
        ids.push(created.structuredContent.prefetch.id);
        await call('vod.prefetch-list', { account });
      }
      const unknown = await call('vod.prefetch-create', {
        account: 'iam',
        assetId: UNKNOWN_ASSET,
        idempotencyKey: randomUUID(),
      });
      ids.push(unknown.structuredContent.prefetch.id);
      const refused = await call('vod.prefetch-create', {
        entityRef: EPISODE,
        idempotencyKey: randomUUID(),
      });
      expect(refused.isError).toBe(true);
      // Read each once VOD has refused the unknown asset (the refused accounts' stay pending).
      await until(
        'VOD refuses the unknown asset',
        () => call('vod.prefetch-get', { id: ids[ids.length - 1] }),
        got => got.structuredContent?.prefetch?.status === 'failed',
      );
      for (const id of ids) await call('vod.prefetch-get', { id });
      await call('vod.prefetch-get', { id: randomUUID() });
    } finally {
      await client.close();
    }
    expect(mcpResults).toBeGreaterThan(10);
  }, 300_000);

  it('the card, the prefetch page and a task page in chromium', async () => {
    const browser = await openBrowser();
    // The development frontend is large (~120 MB of code): on a busy machine it loads slowly.
    browser.context.setDefaultNavigationTimeout(180_000);
    browser.context.setDefaultTimeout(120_000);
    const reads: Array<Promise<void>> = [];
    const onResponse = (response: PageResponse) => {
      reads.push(
        (async () => {
          const where = `answer to ${response
            .request()
            .method()} ${response.url()}`;
          const headers = headersText(await response.allHeaders());
          // Redirects and some aborted loads have no body.
          const body = await response.text().catch(() => '');
          browserAnswers += 1;
          answers.push({
            where,
            text: `${response.status()}\n${headers}\n\n${body}`,
          });
          const type = response.headers()['content-type'] ?? '';
          if (/javascript/.test(type)) frontendCode.push({ where, text: body });
          const config =
            /<script type="backstage\.io\/config">([\s\S]*?)<\/script>/.exec(
              body,
            );
          if (/text\/html/.test(type) && config) servedConfig = config[1];
        })(),
      );
    };
    browser.context.on('response', onResponse);
    try {
      const page = await signInAsGuest(browser.context);
      page.on('websocket', ws =>
        ws.on('framereceived', frame =>
          answers.push({
            where: `websocket frame from ${ws.url()}`,
            text: String(frame.payload),
          }),
        ),
      );
      await page.goto(
        `${FRONTEND_URL}/catalog/default/resource/winter-launch-trailer-2026`,
      );
      await page
        .getByRole('button', { name: 'Prefetch to CDN' })
        .waitFor({ timeout: 120_000 });
      await page.getByRole('button', { name: 'Prefetch to CDN' }).click();
      const dialog = page.getByRole('dialog');
      const [created] = await Promise.all([
        page.waitForResponse(
          r =>
            r.request().method() === 'POST' &&
            new URL(r.url()).pathname === '/api/vod/prefetches',
        ),
        dialog.getByRole('button', { name: 'Prefetch', exact: true }).click(),
      ]);
      expect(created.status()).toBe(202);
      const { id } = await created.json();
      await page
        .locator(`li[data-prefetch-id="${id}"]`)
        .getByText('Cache warm')
        .waitFor({ timeout: 60_000 });

      // The prefetch page lists every account's quota, and the refused accounts' problems.
      await page.goto(`${FRONTEND_URL}/vod`);
      await page
        .getByText('Quota today per account')
        .waitFor({ timeout: 60_000 });
      await page
        .getByText(/Cannot reach VOD/)
        .first()
        .waitFor();
      await page.waitForLoadState('networkidle');

      // The template's task page, with its log.
      await page.goto(`${FRONTEND_URL}/create/tasks/${templateTask}`);
      await page
        .getByText(/cache warm; 3 of 3 URLs done/)
        .first()
        .waitFor({ timeout: 60_000 });
      await page.waitForLoadState('networkidle');
    } finally {
      browser.context.off('response', onResponse);
      await Promise.all(reads);
      await browser.close();
    }
    expect(browserAnswers).toBeGreaterThan(20);
    expect(frontendCode.length).toBeGreaterThan(0);
    // The config the frontend is served: in index.html, as the dev server and app-backend inject it.
    expect(servedConfig).toContain('MediaOps Portal');
  }, 600_000);

  it('finds no canary in any answer, the log, the frontend code or its config', async () => {
    // Every body read to its end, but an event stream still open after 10 s as far as it came.
    await Promise.race([
      Promise.all(pending.map(p => p.done)),
      new Promise(r => setTimeout(r, 10_000)),
    ]);
    pending.forEach(p => p.stop());
    // The portal's last lines reach the file.
    await new Promise(r => setTimeout(r, 2000));
    const log = readFileSync(PORTAL_LOG, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    const lines = log.split('\n');
    const logLines: Seen[] = lines.map((text, i) => ({
      where: `${PORTAL_LOG}:${i + 1}`,
      text,
    }));
    const debugLines = lines.filter(l => / debug /.test(l)).length;
    const auditLines = lines.filter(l => /isAuditEvent=true/.test(l));
    const vodAudit = auditLines.filter(l =>
      /eventId="prefetch-/.test(l),
    ).length;
    const configSeen: Seen[] = [
      { where: 'the config in index.html', text: servedConfig },
    ];

    const hits = scan([
      ...answers,
      ...logLines,
      ...frontendCode,
      ...configSeen,
    ]);
    // Backstage's logger replaces every config secret it is given to log with ***: such a line
    // is a secret that reached a log call, caught only by that safety net.
    for (const { where, text } of logLines) {
      if (text.includes('***')) {
        hits.push({
          secret: 'a config secret (masked *** by the backend logger)',
          form: 'masked',
          where,
          context: text.slice(0, 300),
        });
      }
    }
    const bytes = frontendCode.reduce((n, c) => n + c.text.length, 0);
    console.log(
      [
        `secrets: scanned ${answers.length} answers (${browserAnswers} to chromium, ${mcpResults} MCP results, ${scaffolderEvents} task log events),`,
        `${lines.length} log lines (${debugLines} at debug, ${auditLines.length} audit events, ${vodAudit} of them vod's),`,
        `${frontendCode.length} frontend code files (${Math.round(
          bytes / 1024,
        )} KiB) and the served config (${servedConfig.length} chars)`,
        `for ${Object.keys(CANARIES).length} canaries and IAM tokens: ${
          hits.length
        } hits`,
        ...hits.map(
          h =>
            `  HIT ${h.secret} (${h.form}) in ${h.where}:\n    …${h.context}…`,
        ),
      ].join('\n'),
    );
    // Every flow ran (a failed one above would leave less to scan), and the log is at debug level.
    expect(answers.length - browserAnswers - mcpResults).toBeGreaterThan(50);
    expect(mcpResults).toBeGreaterThan(10);
    expect(scaffolderEvents).toBeGreaterThan(5);
    expect(browserAnswers).toBeGreaterThan(20);
    expect(frontendCode.length).toBeGreaterThan(0);
    expect(servedConfig).toContain('MediaOps Portal');
    expect(debugLines).toBeGreaterThan(0);
    expect(vodAudit).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  }, 180_000);
});
