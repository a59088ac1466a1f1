import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { AnyJob } from '../runner/job-definition.js';
import type { Plan } from '../runner/plan.js';
import type { CliIo } from './io.js';
import { planTable } from './report.js';

/**
 * Shows the plan and asks, on stderr so --json output stays clean. Anything but "yes" declines;
 * so do Ctrl-C and Ctrl-D at the prompt: nothing happens, and history records it as declined.
 */
export async function askToApply(job: AnyJob, plan: Plan, target: string, io: CliIo): Promise<boolean> {
  io.stderr.write(`${job.name} on ${target}\n${planTable(job, plan)}\n\n`);
  if (plan.changed === 0) return true;
  // The question goes to stderr (stdout may be --json); readline wants a stream to write to.
  const output = new Writable({ write: (chunk, _encoding, done) => void (io.stderr.write(String(chunk)), done()) });
  const rl = createInterface({ input: io.stdin, output, terminal: io.stdin.isTTY === true });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  rl.once('SIGINT', () => rl.close());
  try {
    const answer = await Promise.race([rl.question(`Apply ${plan.changed} changes? Type "yes" to apply: `), closed]);
    return answer.trim().toLowerCase() === 'yes';
  } catch {
    return false; // the question was aborted (Ctrl-C, Ctrl-D)
  } finally {
    rl.close();
  }
}
