// scripts/jest-summary.js as CI runs it: crafted Jest --json result files in a temp dir, the
// script as a child process, its exit code and what it prints (stdout and stderr in one file, in
// the order printed). Run by scripts/test.sh through scripts/jest.config.js.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SCRIPT = path.resolve(__dirname, 'jest-summary.js');

let dir;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jest-summary-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A test: its titles (describes, then its own) and its status. */
const testOf = (titles, status = 'passed') => ({
  ancestorTitles: titles.slice(0, -1),
  title: titles[titles.length - 1],
  fullName: titles.join(' '),
  status,
});

/** A suite (test file, relative to the temp dir) as Jest's --json lists it. */
const suite = (file, tests, extra = {}) => ({
  name: path.join(dir, file),
  status: tests.some(t => t.status === 'failed') ? 'failed' : 'passed',
  message: '',
  assertionResults: tests,
  ...extra,
});

/** Writes a Jest --json result file with the counts Jest would put beside these suites. */
function results(name, suites) {
  const all = suites.flatMap(s => s.assertionResults);
  const n = status => all.filter(t => t.status === status).length;
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    JSON.stringify({
      numTotalTests: all.length,
      numPassedTests: n('passed'),
      numFailedTests: n('failed'),
      numPendingTests: n('pending'),
      numTodoTests: n('todo'),
      numRuntimeErrorTestSuites: suites.filter(
        s => s.status === 'failed' && s.assertionResults.length === 0,
      ).length,
      success: !suites.some(s => s.status === 'failed'),
      wasInterrupted: false,
      testResults: suites,
    }),
  );
  return file;
}

/** Runs the script; `ci` sets CI=true, otherwise CI is unset. */
function summary(args, { ci = false } = {}) {
  const env = { ...process.env };
  delete env.CI;
  if (ci) env.CI = 'true';
  const out = path.join(dir, 'out.txt');
  const fd = fs.openSync(out, 'w');
  try {
    const { status } = spawnSync(process.execPath, [SCRIPT, ...args], {
      env,
      stdio: ['ignore', fd, fd],
    });
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    return { status, lines, text: lines.join('\n'), last: lines.at(-1) };
  } finally {
    fs.closeSync(fd);
  }
}

/** The counts on an area's line, e.g. { passed: 2, failed: 0, skipped: 1 }. */
function area(lines, name) {
  const line = lines.find(l => l.startsWith(`  ${name} `));
  const m = / (\d+) passed, +(\d+) failed, +(\d+) skipped/.exec(line ?? '');
  if (!m) throw new Error(`no line for ${name} in:\n${lines.join('\n')}`);
  return { passed: +m[1], failed: +m[2], skipped: +m[3] };
}

const STORE = 'plugins/vod-backend/src/database/DatabaseVodStore.test.ts';
/** A store test run on each of `databases`, as describeStore names it. */
const storeTests = (title, databases) =>
  databases.map(db => testOf([`DatabaseVodStore on ${db}`, 'claims', title]));
const ALL = ['SQLITE_3', 'POSTGRES_15', 'MYSQL_8'];

/** An e2e run that passes. */
const e2eRun = () =>
  results('e2e.json', [
    suite('e2e/card.e2e.test.ts', [testOf(['card', 'shows progress'])]),
  ]);

/** A unit run and an e2e run that pass, with a store test on every database. */
function passingRun() {
  return [
    results('jest.json', [
      suite('plugins/vod-common/src/urls.test.ts', [
        testOf(['urls', 'normalizes']),
        testOf(['urls', 'refuses a control character']),
      ]),
      suite(STORE, [
        ...storeTests('claims once', ALL),
        ...storeTests('claims twice', ALL),
      ]),
      suite('plugins/vod-backend/src/huaweicloud/signer.test.ts', [
        testOf(['computeSignature against the golden vectors', 'v1: bytes']),
      ]),
      suite('plugins/vod-backend/src/huaweicloud/signer.parity.test.ts', [
        testOf(['parity', 'signs generated request #1 identically']),
        testOf(['parity', 'signs generated request #2 identically']),
        testOf(['parity', 'signs generated request #3 identically']),
      ]),
    ]),
    e2eRun(),
  ];
}

describe('jest-summary', () => {
  it('counts each area apart and ends with the line CI reads', () => {
    const run = summary(passingRun(), { ci: true });
    expect(run.status).toBe(0);
    expect(run.last).toBe('13 passed, 0 failed, 0 skipped');
    expect(area(run.lines, 'unit')).toEqual({
      passed: 2,
      failed: 0,
      skipped: 0,
    });
    for (const db of ALL) {
      expect(area(run.lines, `database on ${db}`)).toEqual({
        passed: 2,
        failed: 0,
        skipped: 0,
      });
    }
    expect(area(run.lines, 'signer vectors').passed).toBe(1);
    expect(area(run.lines, 'signer parity seeds').passed).toBe(3);
    expect(area(run.lines, 'e2e').passed).toBe(1);
    expect(run.text).toContain('signer.parity.test.ts = signer parity seeds');
    expect(
      run.lines.filter(l => / passed, /.test(l) && !l.startsWith(' ')),
    ).toEqual([run.last]);
  });

  it('fails when the unit run found no tests, though the e2e tests passed', () => {
    const e2e = e2eRun();
    const unit = results('empty.json', []);
    const run = summary([unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.text).toContain(`no test ran in ${unit} (none found)`);
    expect(run.last).toBe('1 passed, 0 failed, 0 skipped');
  });

  it('fails when the e2e run has no tests', () => {
    const [unit] = passingRun();
    const e2e = results('e2e-empty.json', [suite('e2e/card.e2e.test.ts', [])]);
    const run = summary([unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.text).toContain(`no test ran in ${e2e}`);
  });

  it('fails when every test of a file was skipped', () => {
    const [unit] = passingRun();
    const e2e = results('e2e.json', [
      suite('e2e/card.e2e.test.ts', [testOf(['card', 'shows'], 'pending')]),
    ]);
    const run = summary([unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.text).toContain(`no test ran in ${e2e} (1 found, all skipped)`);
  });

  it('fails when a result file is missing or is no JSON', () => {
    const [unit] = passingRun();
    const missing = summary([unit, path.join(dir, 'e2e-missing.json')]);
    expect(missing.status).toBe(1);
    expect(missing.text).toContain('no results in');
    expect(missing.last).toBe('12 passed, 0 failed, 0 skipped');

    const truncated = path.join(dir, 'truncated.json');
    fs.writeFileSync(truncated, '{"numTotalTests": 3, "testResu');
    expect(summary([unit, truncated]).status).toBe(1);
  });

  it('fails when a test failed', () => {
    const e2e = e2eRun();
    const unit = results('jest.json', [
      suite('plugins/vod/src/a.test.ts', [
        testOf(['a', 'works']),
        testOf(['a', 'breaks'], 'failed'),
      ]),
    ]);
    const run = summary([unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.last).toBe('2 passed, 1 failed, 0 skipped');
  });

  it('fails when a suite failed to run, or failed outside its tests', () => {
    const e2e = e2eRun();
    const unit = results('jest.json', [
      suite('plugins/vod/src/a.test.ts', [testOf(['a', 'works'])]),
      suite('plugins/vod/src/b.test.ts', [], {
        status: 'failed',
        message: '  ● Test suite failed to run\n\n    Cannot find module x',
      }),
      suite('plugins/vod/src/c.test.ts', [testOf(['c', 'works'])], {
        status: 'failed',
        message: '  ● c › afterAll\n\n    the pool did not close',
      }),
    ]);
    const run = summary([unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.text).toContain(
      `suite failed to run: ${path.join(dir, 'plugins/vod/src/b.test.ts')}`,
    );
    expect(run.text).toContain('(Cannot find module x)');
    expect(run.text).toContain(
      `suite failed outside its tests: ${path.join(
        dir,
        'plugins/vod/src/c.test.ts',
      )}`,
    );
  });

  it('fails when Jest marks a run interrupted, or failed with no failed test', () => {
    const e2e = e2eRun();
    const unit = results('jest.json', [
      suite('plugins/vod/src/a.test.ts', [testOf(['a', 'works'])]),
    ]);
    const edit = change => {
      const json = JSON.parse(fs.readFileSync(unit, 'utf8'));
      fs.writeFileSync(unit, JSON.stringify({ ...json, ...change }));
    };
    expect(summary([unit, e2e]).status).toBe(0);

    edit({ wasInterrupted: true });
    const interrupted = summary([unit, e2e]);
    expect(interrupted.status).toBe(1);
    expect(interrupted.text).toContain('the run was interrupted');
    edit({ wasInterrupted: false, success: false });
    const run = summary([unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.text).toContain('Jest reports the run as failed');
  });

  it('counts it.skip and it.todo as skipped', () => {
    const e2e = e2eRun();
    const unit = results('jest.json', [
      suite('plugins/vod/src/a.test.ts', [
        testOf(['a', 'works']),
        testOf(['a', 'later'], 'pending'),
        testOf(['a', 'some day'], 'todo'),
      ]),
    ]);
    const run = summary([unit, e2e]);
    expect(run.status).toBe(0);
    expect(area(run.lines, 'unit')).toEqual({
      passed: 1,
      failed: 0,
      skipped: 2,
    });
    expect(run.last).toBe('2 passed, 0 failed, 2 skipped');
  });

  describe('a store test whose MYSQL_8 twin is missing', () => {
    const files = () => [
      results('jest.json', [
        suite(STORE, [
          ...storeTests('claims once', ALL),
          ...storeTests('claims twice', ['SQLITE_3', 'POSTGRES_15']),
        ]),
      ]),
      e2eRun(),
    ];

    it('is counted skipped on MYSQL_8 and named, with a warning outside CI', () => {
      const run = summary(files());
      expect(run.status).toBe(0);
      expect(area(run.lines, 'database on MYSQL_8')).toEqual({
        passed: 1,
        failed: 0,
        skipped: 1,
      });
      expect(area(run.lines, 'database on POSTGRES_15').skipped).toBe(0);
      expect(run.text).toMatch(
        /warning: 1 database case\(s\) not run on MYSQL_8, counted skipped: DatabaseVodStore\.test\.ts, e\.g\. "DatabaseVodStore on MYSQL_8 › claims › claims twice" .*BACKSTAGE_TEST_DATABASE_MYSQL8_CONNECTION_STRING/,
      );
      expect(run.last).toBe('6 passed, 0 failed, 1 skipped');
    });

    it('fails under CI=true', () => {
      const run = summary(files(), { ci: true });
      expect(run.status).toBe(1);
      expect(run.text).toContain(
        'CI expects every database: 1 database case(s) not run on MYSQL_8',
      );
      expect(run.last).toBe('6 passed, 0 failed, 1 skipped');
    });

    it('counts every store test skipped on the databases a whole run lacked', () => {
      const unit = results('jest.json', [
        suite(STORE, [
          ...storeTests('claims once', ['SQLITE_3']),
          ...storeTests('claims twice', ['SQLITE_3']),
        ]),
      ]);
      const run = summary([unit, e2eRun()], { ci: true });
      expect(run.status).toBe(1);
      expect(area(run.lines, 'database on POSTGRES_15').skipped).toBe(2);
      expect(area(run.lines, 'database on MYSQL_8').skipped).toBe(2);
      expect(run.last).toBe('3 passed, 0 failed, 4 skipped');
    });
  });

  it('with --all-test-files-of, fails when a test file did not run', () => {
    const [unit, e2e] = passingRun();
    for (const file of [
      'plugins/vod-common/src/urls.test.ts',
      STORE,
      'plugins/vod-backend/src/huaweicloud/signer.test.ts',
      'plugins/vod-backend/src/huaweicloud/signer.parity.test.ts',
      'e2e/card.e2e.test.ts',
    ]) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), '');
    }
    const option = `--all-test-files-of=${dir}`;
    expect(summary([option, unit, e2e]).status).toBe(0);

    fs.mkdirSync(path.join(dir, 'plugins/vod/src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'plugins/vod/src/Card.test.tsx'), '');
    const run = summary([option, unit, e2e]);
    expect(run.status).toBe(1);
    expect(run.text).toContain(
      'test file did not run: plugins/vod/src/Card.test.tsx',
    );
  });
});
