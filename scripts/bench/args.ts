// The command line of `npm run bench`, parsed without side effects (unit-tested in-process).
import { Command, InvalidArgumentError } from 'commander';

export const LOCAL_POSTGRES = 'postgres://cwmaint_test:cwmaint_test@127.0.0.1:5432/postgres';

export interface BenchOptions {
  /** Contacts per size; companies are a quarter of that. */
  contacts: number[];
  /** Shares of all contacts that still need a change, 0..1 (1: every matched row). */
  changeRates: number[];
  url: string;
  /** Where the URL came from, said in the output: --url, BENCH_URL, PG_TEST_URL or the default. */
  urlSource: string;
  reps: number;
  json: string | undefined;
  out: string;
  reportRss: boolean;
  /** The slowest statements of the job's runs with --show-sql (made per write scenario anyway), in the notes. */
  breakdown: boolean;
  /** The apply's batch size the round-trip target allows for (config key batchSize). */
  batchSize: number;
  verbose: boolean;
}

function list<T>(parse: (text: string) => T) {
  return (text: string): T[] => {
    const items = text.split(',').map((item) => item.trim());
    if (items.some((item) => item === '')) throw new InvalidArgumentError('expected a comma-separated list without empty items.');
    return items.map(parse);
  };
}

function whole(min: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`"${text}" is not a whole number.`);
    const n = Number(text);
    if (n < min) throw new InvalidArgumentError(`${n} is below the minimum of ${min}.`);
    return n;
  };
}

function rate(text: string): number {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`"${text}" is not a share from 0 to 1.`);
  return n;
}

/**
 * Parses `argv` (the arguments after the script name). Errors throw commander's CommanderError
 * after one line on `writeErr`; --help prints the usage and throws one with exit code 0.
 */
export function parseBenchArgs(argv: string[], env: Record<string, string | undefined>, writeErr: (text: string) => void = (t) => process.stderr.write(t)): BenchOptions {
  const program = new Command('bench')
    .description('revoke-inactive through cw-maint against the raw published script, on identical copies of generated data')
    .option('--contacts <list>', 'contacts per size, comma-separated (companies = contacts / 4)', list(whole(4)), [100_000, 1_000_000])
    .option('--change-rate <list>', 'shares of all contacts that still need a change, comma-separated, 0..1 (1 = first run)', list(rate), [0.001, 1])
    .option('--url <db>', 'admin URL that may CREATE DATABASE (postgres://… or mssql://…); default BENCH_URL, PG_TEST_URL, then the local PostgreSQL')
    .option('--reps <n>', 'runs per side; the median is reported', whole(1), 5)
    .option('--json <file>', 'also write the results as JSON')
    .option('--out <file>', 'the Markdown results file (its ## Findings section is kept)', 'bench/RESULTS.md')
    .option('--report-rss', 'also measure the peak RSS of `plan --report FILE.csv` per size (slow)', false)
    .option('--breakdown', 'the slowest statements of the job runs with --show-sql (the median run per write scenario) go into the notes', false)
    .option('--batch-size <n>', 'rows per batch of the apply (config batchSize): passed to the job, and what the round-trip target allows for', whole(1), 4000)
    .option('--verbose', 'stack traces on errors', false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeErr, outputError: (text, write) => write(text.split('\n')[0] + '\n') });
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ contacts: number[]; changeRate: number[]; url?: string; reps: number; json?: string; out: string; reportRss: boolean; breakdown: boolean; batchSize: number; verbose: boolean }>();
  const [url, urlSource] = o.url
    ? [o.url, '--url']
    : env.BENCH_URL
      ? [env.BENCH_URL, 'BENCH_URL']
      : env.PG_TEST_URL
        ? [env.PG_TEST_URL, 'PG_TEST_URL']
        : [LOCAL_POSTGRES, 'the local PostgreSQL (default)'];
  return {
    contacts: [...new Set(o.contacts)],
    changeRates: [...new Set(o.changeRate)],
    url,
    urlSource,
    reps: o.reps,
    json: o.json,
    out: o.out,
    reportRss: o.reportRss,
    breakdown: o.breakdown,
    batchSize: o.batchSize,
    verbose: o.verbose,
  };
}
