// The install check's two halves, called by scripts/install-check.sh:
//   install-check.ts apply <portal> <tarballs>   does what our READMEs tell a platform team to do
//   install-check.ts check <simulator url> <out>  checks the running portal as a user would
// `apply` reads the steps from the READMEs themselves (the fenced block after each
// `<!-- install-check: … -->` marker), so a README that is wrong fails here; the root README's
// summary of them must say the same. The portal's URLs come from E2E_FRONTEND_URL and
// E2E_BACKEND_URL, as for the browser tests.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import {
  BACKEND_URL as BACKEND,
  FRONTEND_URL as FRONTEND,
  guestToken,
  openBrowser,
  signInAsGuest,
} from '../e2e/browser';

const ROOT = resolve(__dirname, '..');
/** The entity the check adds to the new app's example catalog, with the README's annotation. */
const ENTITY = { kind: 'Resource', name: 'launch-trailer' };

/** The published packages, by folder under plugins/. */
const PACKAGES = [
  'vod-common',
  'vod-node',
  'vod-backend',
  'vod',
  'scaffolder-backend-module-vod',
];

interface Block {
  readme: string;
  marker: string;
  lines: string[];
}

/** Every fenced block that follows `<!-- install-check: <marker> -->` in the package READMEs. */
function readmeBlocks(
  marker: string,
  readmes = PACKAGES.map(dir => `plugins/${dir}/README.md`),
): Block[] {
  const blocks: Block[] = [];
  for (const readme of readmes) {
    const text = readFileSync(join(ROOT, readme), 'utf8');
    const pattern = new RegExp(
      `<!-- install-check: ${marker} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``,
      'g',
    );
    for (const match of text.matchAll(pattern)) {
      blocks.push({ readme, marker, lines: match[1].trimEnd().split('\n') });
    }
  }
  if (blocks.length === 0) {
    throw new Error(`no README has an install-check block '${marker}'`);
  }
  return blocks;
}

/** What a platform team types: lines that are neither empty nor only a comment. */
function counted(lines: string[]): string[] {
  return lines.filter(line => !/^\s*(\/\/.*|#.*)?$/.test(line));
}

function sh(cwd: string, command: string, args: string[]) {
  console.log(`install-check: ${cwd}$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd, stdio: 'inherit' });
}

function apply(portal: string, tarballs: string) {
  // Each published package's name and version, read once.
  const published = PACKAGES.map(dir => {
    const { name, version } = JSON.parse(
      readFileSync(join(ROOT, 'plugins', dir, 'package.json'), 'utf8'),
    );
    return { dir, name: name as string, version: version as string };
  });

  // Where npm would serve our packages from, the tarballs `yarn pack` made: every request for
  // one of them (also from one of our packages to another) resolves to its tarball.
  const rootManifest = join(portal, 'package.json');
  const manifest = JSON.parse(readFileSync(rootManifest, 'utf8'));
  manifest.resolutions = {
    ...manifest.resolutions,
    ...Object.fromEntries(
      published.map(p => [p.name, `file:${join(tarballs, `${p.dir}.tgz`)}`]),
    ),
  };
  writeFileSync(rootManifest, `${JSON.stringify(manifest, null, 2)}\n`);

  // The READMEs' `yarn --cwd … add <package>` commands, each with the version npm would have.
  for (const dir of PACKAGES) {
    const text = readFileSync(join(ROOT, 'plugins', dir, 'README.md'), 'utf8');
    for (const [, cwd, name] of text.matchAll(
      /^yarn --cwd (\S+) add (@mediaops\/\S+)$/gm,
    )) {
      const pkg = published.find(p => p.name === name);
      if (!pkg) throw new Error(`${dir}/README.md adds an unknown ${name}`);
      sh(join(portal, cwd), 'yarn', ['add', `${name}@^${pkg.version}`]);
    }
  }

  // Backend code, before `backend.start()`; the root README shows the same lines.
  const backendLines = readmeBlocks('backend').flatMap(b => counted(b.lines));
  const summary = readmeBlocks('backend', ['README.md']).flatMap(b =>
    counted(b.lines),
  );
  if (summary.join('\n') !== backendLines.join('\n')) {
    throw new Error(
      `README.md's backend lines differ from the packages' READMEs:\n${summary.join(
        '\n',
      )}\n---\n${backendLines.join('\n')}`,
    );
  }
  const index = join(portal, 'packages/backend/src/index.ts');
  const source = readFileSync(index, 'utf8');
  if (!source.includes('backend.start();')) {
    throw new Error('the new backend has no backend.start()');
  }
  writeFileSync(
    index,
    source.replace(
      'backend.start();',
      `${backendLines.join('\n')}\n\nbackend.start();`,
    ),
  );

  // Config, appended to app-config.yaml.
  const config = readmeBlocks('config');
  appendFileSync(
    join(portal, 'app-config.yaml'),
    `\n${config.flatMap(b => b.lines).join('\n')}\n`,
  );

  // The annotation, on an entity of the check's own in the new app's example catalog.
  const annotated = readmeBlocks('entity');
  const entity = parseDocument(annotated[0].lines.join('\n')).toJS();
  appendFileSync(
    join(portal, 'examples/entities.yaml'),
    `---\n${stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: ENTITY.kind,
      metadata: { name: ENTITY.name, ...entity.metadata },
      spec: { type: 'video', owner: 'guests' },
    })}`,
  );

  const configLines = config.flatMap(b => counted(b.lines));
  const entityLines = annotated.flatMap(b => counted(b.lines));
  console.log(
    `install-check: lines a platform team adds, from the READMEs: backend code ${backendLines.length}, ` +
      `frontend code 0 (app.packages: all), config ${configLines.length}, entity annotation ${entityLines.length}`,
  );
}

/** No request of the check waits longer than this for the portal. */
const timeout = () => AbortSignal.timeout(30_000);

async function expectOk(what: string, res: Response, status = 200) {
  const body = await res.text();
  if (res.status !== status) {
    throw new Error(`${what}: ${res.status} (wanted ${status}) ${body}`);
  }
  console.log(`install-check: ${what}: ${res.status}`);
  return body ? JSON.parse(body) : undefined;
}

async function check(simulator: string, out: string) {
  await expectOk(
    'GET /api/vod/health',
    await fetch(`${BACKEND}/api/vod/health`, { signal: timeout() }),
  );
  const token = await guestToken();
  const headers = {
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json',
  };
  const entityRef = `${ENTITY.kind.toLowerCase()}:default/${ENTITY.name}`;

  // An authenticated create reaches the simulator: VOD gets a signed call and gives a task.
  const created = await expectOk(
    `POST /api/vod/prefetches {entityRef: ${entityRef}}`,
    await fetch(`${BACKEND}/api/vod/prefetches`, {
      signal: timeout(),
      method: 'POST',
      headers,
      body: JSON.stringify({ entityRef }),
    }),
    202,
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { calls }: { calls: Array<{ route: string; status: number }> } =
      await (
        await fetch(`${simulator}/admin/calls`, { signal: timeout() })
      ).json();
    const create = calls.find(c => c.route === 'create');
    if (create?.status === 202) {
      console.log(`install-check: prefetch ${created.id} reached VOD (202)`);
      break;
    }
    if (create || Date.now() > deadline) {
      throw new Error(
        `VOD did not accept the create: ${JSON.stringify(calls)}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }

  const actions = await expectOk(
    'GET /api/scaffolder/v2/actions',
    await fetch(`${BACKEND}/api/scaffolder/v2/actions`, {
      headers,
      signal: timeout(),
    }),
  );
  if (!actions.some((a: { id: string }) => a.id === 'vod:preheat')) {
    throw new Error('the scaffolder does not list vod:preheat');
  }
  console.log('install-check: vod:preheat is listed');

  // The card, in a real browser, on the annotated entity's page.
  const browser = await openBrowser();
  try {
    const page = await signInAsGuest(browser.context);
    await page.goto(
      `${FRONTEND}/catalog/default/${ENTITY.kind.toLowerCase()}/${ENTITY.name}`,
    );
    // The card counts the API's prefetch above; a click prefetches once more, through the dialog.
    await page.getByText('1 of 1000 used, ').waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Prefetch to CDN' }).click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: 'Prefetch', exact: true })
      .click();
    await page.getByText('2 of 1000 used, ').waitFor({ timeout: 60_000 });
    await page.screenshot({
      path: join(out, 'card.png'),
      fullPage: true,
    });
    console.log(
      'install-check: the card shows on the entity page and prefetches',
    );
  } finally {
    await browser.close();
  }
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'apply') apply(resolve(args[0]), resolve(args[1]));
  else if (command === 'check') await check(args[0], resolve(args[1]));
  else
    throw new Error(
      'usage: install-check.ts apply <portal> <tarballs> | check <simulator url>',
    );
}

main().catch(error => {
  console.error(`install-check: ${error.message ?? error}`);
  process.exit(1);
});
