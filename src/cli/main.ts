// The program's entry point, and the composition root: the only file under src/ that imports
// the job registry. It hands the registry to the CLI verbs and, through them, the scheduler.
import { JOBS } from '../../jobs/index.js';
import { main } from './program.js';

process.exitCode = await main(process.argv, JOBS);
