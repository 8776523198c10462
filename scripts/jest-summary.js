#!/usr/bin/env node
// The closing line CI reads, `N passed, N failed, N skipped` (always the last line printed), over
// Jest --json result files, with the counts per area above it.
//
//   node scripts/jest-summary.js [--all-test-files-of=DIR] RESULT.json...
//
// It fails (exit code 1) when:
// - a result file is missing or unreadable (its run crashed or never wrote it), or Jest marks the
//   run as interrupted or failed for a reason no test shows (`success: false`);
// - a result file has no test that ran (passed or failed): `backstage-cli repo test` passes
//   `--passWithNoTests`, so a unit run that finds nothing exits 0, and the sum over all files
//   would hide it behind the e2e passes;
// - a test failed, or a suite failed outside its tests (could not load, a hook threw);
// - with CI set: a database case was skipped (below);
// - with --all-test-files-of=DIR: a test file under DIR did not run (a package left out of Jest's
//   projects, for one): every packages/*/src and plugins/*/src `*.test.*` file, e2e's
//   `*.e2e.test.ts` and scripts' `*.test.js` must appear in one of the result files.
//
// Database cases. Backstage's TestDatabases drops a database whose connection string is missing
// (BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING, ..._MYSQL8_...) without a word: its
// `describe.each(databases.eachSupportedId())` simply has one database fewer. Its tests name their
// database at the end of a describe title or of their own title (`DatabaseVodStore on SQLITE_3 ›
// reads ...`), so a case is one test with that database name taken out (its file, its titles), and
// every case must have run on each expected database: SQLite, PostgreSQL 15 and MySQL 8 (what
// storeTests.ts asks of TestDatabases), plus any other database some test ran on. Each database a
// case lacks counts as one skipped test of that database's area and is listed by name: a warning,
// or a failure with CI set. (A test that names its database some other way, such as
// plugin.quota.test.ts's PostgreSQL case, counts as unit; it fails when its database is missing.)
//
// Areas, by test file first, then by title: `*.e2e.test.*` files are e2e; signer.test.ts (the
// golden vectors of __fixtures__/signing-vectors.json and the signer's own cases) is "signer
// vectors"; signer.parity.test.ts (300 seeded requests against the official SDK) is "signer parity
// seeds"; a test whose titles end with ` on <database>` is "database on <database>"; the rest is
// unit. Skipped counts it.skip, it.todo and the database cases above.
const fs = require('node:fs');
const path = require('node:path');

/** What the store tests ask TestDatabases for (plugins/vod-backend/src/database/__testUtils__). */
const EXPECTED_DATABASES = ['SQLITE_3', 'POSTGRES_15', 'MYSQL_8'];
/** A TestDatabases id at the end of a title, as `describe.each(...)('... on %s')` puts it. */
const DATABASE_IN_TITLE = / on (SQLITE_3|POSTGRES_\d+|MYSQL_\d+)$/;

const FILE_AREAS = [
  [/\.e2e\.test\.[cm]?[jt]sx?$/, 'e2e'],
  [/(^|\/)signer\.test\.ts$/, 'signer vectors'],
  [/(^|\/)signer\.parity\.test\.ts$/, 'signer parity seeds'],
];
const AREA_RULE =
  'areas by test file: *.e2e.test.* = e2e, signer.test.ts = signer vectors, ' +
  'signer.parity.test.ts = signer parity seeds; then by title: "... on <database>" = database; ' +
  'the rest = unit';

const SKIPPED_STATUSES = new Set(['pending', 'skipped', 'todo', 'disabled']);

/** TestDatabases reads a database's connection string from this variable. */
const connectionVariable = id =>
  `BACKSTAGE_TEST_DATABASE_${id.replace('_', '')}_CONNECTION_STRING`;

/** A path as Jest names it (symbolic links resolved), so both sides of a comparison agree. */
function realPath(file) {
  try {
    return fs.realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function fileArea(file) {
  const unix = file.split(path.sep).join('/');
  for (const [pattern, area] of FILE_AREAS) {
    if (pattern.test(unix)) return area;
  }
  return undefined;
}

/** The database a test runs on, and its case (the test with that database taken out). */
function databaseCase(file, assertion) {
  const titles = [...assertion.ancestorTitles, assertion.title];
  let database;
  const generic = titles.map(title => {
    const match = DATABASE_IN_TITLE.exec(title);
    if (!match) return title;
    database = match[1];
    return title.slice(0, match.index) + ' on <database>';
  });
  return database
    ? { database, key: [file, ...generic].join('\u0000'), generic }
    : undefined;
}

/** Every test file Jest should have found under `root` (the projects' testMatch, e2e's, ours). */
function expectedTestFiles(root) {
  const found = [];
  const walk = (dir, pattern) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, pattern);
      else if (pattern.test(entry.name)) found.push(full);
    }
  };
  // The extensions of backstage-cli's testMatch (its SRC_EXTS).
  const unitTest = /\.test\.(ts|js|tsx|jsx|mts|cts|mjs|cjs)$/;
  for (const group of ['packages', 'plugins']) {
    let packages = [];
    try {
      packages = fs.readdirSync(path.join(root, group));
    } catch {
      // no such group in this tree
    }
    for (const name of packages)
      walk(path.join(root, group, name, 'src'), unitTest);
  }
  walk(path.join(root, 'e2e'), /\.e2e\.test\.ts$/);
  for (const name of fs.existsSync(path.join(root, 'scripts'))
    ? fs.readdirSync(path.join(root, 'scripts'))
    : []) {
    if (/\.test\.js$/.test(name)) found.push(path.join(root, 'scripts', name));
  }
  return found.map(realPath);
}

/**
 * Reads the result files and judges them.
 * Returns the lines to print (`report`, then `problems` and `warnings`, then `final` last) and
 * whether the run counts as passed.
 */
function summarize(files, options = {}) {
  const ci = Boolean(options.ci);
  const problems = [];
  const warnings = [];
  const areas = new Map();
  const count = (area, key) => {
    if (!areas.has(area)) areas.set(area, { passed: 0, failed: 0, skipped: 0 });
    areas.get(area)[key] += 1;
  };
  const cases = new Map(); // case key -> { databases: Set, generic titles }
  const ranFiles = new Set();

  for (const file of files) {
    let result;
    try {
      result = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push(`no results in ${file}: ${error.message}`);
      continue;
    }
    if (!result || !Array.isArray(result.testResults)) {
      problems.push(`no results in ${file}: not a Jest --json result`);
      continue;
    }
    const fileProblems = problems.length;
    if (result.wasInterrupted) {
      problems.push(`${file}: the run was interrupted`);
    }
    let ran = 0;
    let found = 0;
    for (const suite of result.testResults) {
      ranFiles.add(realPath(suite.name));
      const assertions = suite.assertionResults ?? [];
      if (
        suite.status === 'failed' &&
        !assertions.some(a => a.status === 'failed')
      ) {
        const why = String(suite.message ?? suite.failureMessage ?? '')
          .split('\n')
          .map(line => line.trim())
          .find(line => line && !line.startsWith('●'));
        problems.push(
          `suite failed ${
            assertions.length ? 'outside its tests' : 'to run'
          }: ${suite.name}${why ? ` (${why})` : ''}`,
        );
      }
      const byFile = fileArea(suite.name);
      for (const assertion of assertions) {
        found += 1;
        const dbCase = byFile ? undefined : databaseCase(suite.name, assertion);
        const area =
          byFile ?? (dbCase ? `database on ${dbCase.database}` : 'unit');
        if (dbCase) {
          if (!cases.has(dbCase.key)) {
            cases.set(dbCase.key, {
              databases: new Set(),
              file: suite.name,
              generic: dbCase.generic,
            });
          }
          cases.get(dbCase.key).databases.add(dbCase.database);
        }
        if (assertion.status === 'passed') {
          count(area, 'passed');
          ran += 1;
        } else if (assertion.status === 'failed') {
          count(area, 'failed');
          ran += 1;
        } else if (SKIPPED_STATUSES.has(assertion.status)) {
          count(area, 'skipped');
        } else {
          problems.push(
            `unknown status "${assertion.status}" of ${suite.name}: ${assertion.fullName}`,
          );
        }
      }
    }
    if (ran === 0) {
      problems.push(
        `no test ran in ${file} (${
          found ? `${found} found, all skipped` : 'none found'
        })`,
      );
    }
    if (
      typeof result.numTotalTests === 'number' &&
      result.numTotalTests !== found
    ) {
      problems.push(
        `${file}: Jest counts ${result.numTotalTests} tests, its suites list ${found}`,
      );
    }
    if (result.success === false && problems.length === fileProblems) {
      const failedHere = result.testResults.some(s =>
        (s.assertionResults ?? []).some(a => a.status === 'failed'),
      );
      if (!failedHere) {
        problems.push(
          `${file}: Jest reports the run as failed, though no test failed (snapshots, open handles?)`,
        );
      }
    }
  }

  // Database cases that did not run on every expected database.
  const expected = new Set(EXPECTED_DATABASES);
  for (const { databases } of cases.values()) {
    for (const database of databases) expected.add(database);
  }
  const missing = new Map(); // database -> { count, example, files }
  for (const c of cases.values()) {
    for (const database of expected) {
      if (c.databases.has(database)) continue;
      count(`database on ${database}`, 'skipped');
      if (!missing.has(database)) {
        missing.set(database, {
          count: 0,
          files: new Set(),
          example: c.generic
            .map(title => title.replace(/ on <database>$/, ` on ${database}`))
            .join(' › '),
        });
      }
      missing.get(database).count += 1;
      missing.get(database).files.add(path.basename(c.file));
    }
  }
  for (const [database, m] of missing) {
    const why =
      database === 'SQLITE_3'
        ? ''
        : ` (TestDatabases leaves it out when ${connectionVariable(
            database,
          )} is unset)`;
    const text =
      `${m.count} database case(s) not run on ${database}, counted skipped: ` +
      `${[...m.files].join(', ')}, e.g. "${m.example}"${why}`;
    if (ci) problems.push(`CI expects every database: ${text}`);
    else warnings.push(text);
  }

  if (options.allTestFilesOf) {
    const root = realPath(options.allTestFilesOf);
    const notRun = expectedTestFiles(root)
      .filter(file => !ranFiles.has(file))
      .map(file => path.relative(root, file));
    const shown = notRun.slice(0, 10);
    const more = notRun.length - shown.length;
    for (const file of shown) problems.push(`test file did not run: ${file}`);
    if (more > 0) problems.push(`... and ${more} more test files did not run`);
  }

  const order = [
    'unit',
    ...[...expected].map(d => `database on ${d}`),
    'signer vectors',
    'signer parity seeds',
    'e2e',
  ];
  for (const area of areas.keys()) if (!order.includes(area)) order.push(area);
  const zero = { passed: 0, failed: 0, skipped: 0 };
  const total = { ...zero };
  for (const n of areas.values()) {
    total.passed += n.passed;
    total.failed += n.failed;
    total.skipped += n.skipped;
  }
  const width = Math.max(...order.map(a => a.length));
  const digits = String(Math.max(...Object.values(total))).length;
  const pad = n => String(n).padStart(digits);
  const report = [`jest-summary: ${AREA_RULE}`];
  for (const area of order) {
    const n = areas.get(area) ?? zero;
    const database = area.replace(/^database on /, '');
    const notRun = missing.has(database)
      ? ` (${missing.get(database).count} cases not run)`
      : '';
    const counts = [
      `${pad(n.passed)} passed`,
      `${pad(n.failed)} failed`,
      `${pad(n.skipped)} skipped${notRun}`,
    ];
    report.push(`  ${area.padEnd(width)}  ${counts.join(', ')}`);
  }
  return {
    report,
    problems,
    warnings,
    final: `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`,
    ok: total.failed === 0 && problems.length === 0,
  };
}

function isCi(env) {
  return Boolean(env.CI) && !['false', '0'].includes(env.CI.toLowerCase());
}

function main(argv) {
  const files = [];
  let allTestFilesOf;
  for (const arg of argv) {
    if (arg.startsWith('--all-test-files-of=')) {
      allTestFilesOf = arg.slice('--all-test-files-of='.length);
    } else if (arg.startsWith('--')) {
      console.error(`jest-summary: unknown option ${arg}`);
      return 2;
    } else {
      files.push(arg);
    }
  }
  const summary = summarize(files, { ci: isCi(process.env), allTestFilesOf });
  if (files.length === 0) {
    summary.problems.push('no result files given');
    summary.ok = false;
  }
  for (const line of summary.report) console.log(line);
  for (const line of summary.warnings) {
    console.error(`jest-summary: warning: ${line}`);
  }
  for (const line of summary.problems) console.error(`jest-summary: ${line}`);
  console.log(summary.final);
  return summary.ok ? 0 : 1;
}

module.exports = { summarize, EXPECTED_DATABASES };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
