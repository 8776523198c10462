// `yarn bench:resilience <suite> [seed]`: the resilience suites of bench/README.md, each against
// the demo backend as a child process and the VOD simulator over HTTP, on loopback.
//   crash-sqlite, crash-postgres   SIGKILL at seeded moments, restart, finish
//   replicas                       two replicas on one PostgreSQL, quota and rate shared
//   faults                         VOD answering 5xx, 429, timeouts and resets (15 % each)
//   drain                          1,000 prefetches at once against a creates-per-minute limit
import { crash } from './crash';
import { drain } from './drain';
import { faults } from './faults';
import { replicas } from './replicas';

const suites: Record<string, (seed: number) => Promise<void>> = {
  'crash-sqlite': seed => crash('sqlite', seed),
  'crash-postgres': seed => crash('postgres', seed),
  replicas,
  faults,
  drain,
};

async function main() {
  const [name = 'all', seedArg] = process.argv.slice(2);
  const seed = Number(seedArg ?? 1);
  const chosen = name === 'all' ? Object.keys(suites) : [name];
  for (const suite of chosen) {
    if (!suites[suite]) {
      throw new Error(
        `no suite ${suite}; one of ${Object.keys(suites).join(', ')}, all`,
      );
    }
    console.log(`\n=== ${suite} (seed ${seed})`);
    await suites[suite](seed);
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
