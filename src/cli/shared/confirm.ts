import type { FilePlan } from '../../run/plan-file/apply-plan.js';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { AnyJob } from '../../vocabulary/job-definition.js';
import type { Plan } from '../../run/job/plan.js';
import type { CliIo } from './io.js';
import type { UndoPlan } from '../../run/undo/undo-run.js';
import { planTable } from './report.js';
import { undoPlanText } from './undo-report.js';

/**
 * Shows the plan and asks, on stderr so --json output stays clean. Anything but "yes" declines;
 * so do Ctrl-C and Ctrl-D at the prompt: nothing happens, and history records it as declined.
 */
export async function askToApply(job: AnyJob, plan: Plan, target: string, io: CliIo): Promise<boolean> {
  io.stderr.write(`${job.name} on ${target}\n${planTable(job, plan)}\n\n`);
  if (plan.changed === 0) return true;
  return ask(`Apply ${plan.changed} changes? Type "yes" to apply: `, io);
}

/** A saved plan's prompt: what still applies of it, and what drifted. */
export async function askToApplyPlan(plan: FilePlan, path: string, target: string, io: CliIo): Promise<boolean> {
  io.stderr.write(`${path} on ${target}: ${plan.changed} of ${plan.matched} planned rows still apply; ${plan.drifted.length} drifted; ${plan.newlyMatching} newly matching (not applied)\n\n`);
  if (plan.changed === 0) return true;
  return ask(`Apply ${plan.changed} changes of the saved plan? Type "yes" to apply: `, io);
}

/** The undo's prompt shows its size: the size guards do not apply to it. */
export async function askToUndo(plan: UndoPlan, target: string, io: CliIo): Promise<boolean> {
  io.stderr.write(`${target}\n${undoPlanText(plan)}\n\n`);
  if (plan.toRestore === 0) return true;
  return ask(`Restore ${plan.toRestore} rows to their value before run ${plan.undoOf.runId}? Type "yes" to undo: `, io);
}

async function ask(question: string, io: CliIo): Promise<boolean> {  // The question goes to stderr (stdout may be --json); readline wants a stream to write to.
  const output = new Writable({ write: (chunk, _encoding, done) => void (io.stderr.write(String(chunk)), done()) });
  const rl = createInterface({ input: io.stdin, output, terminal: io.stdin.isTTY === true });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  rl.once('SIGINT', () => rl.close());
  try {
    const answer = await Promise.race([rl.question(question), closed]);
    return answer.trim().toLowerCase() === 'yes';
  } catch {
    return false; // the question was aborted (Ctrl-C, Ctrl-D)
  } finally {
    rl.close();
  }
}
