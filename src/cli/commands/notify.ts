import { printableLines } from '../../printable.js';
import { Command } from 'commander';
import { configFileName } from '../../config/config-file.js';
import { parseConnectionSpec } from '../../config/connection-spec.js';
import { ExitCode, UsageError } from '../../errors.js';
import { sendTestMessages } from '../../notify/test-message.js';
import { cliContext, withCommonOptions, type CommonOptions } from '../shared/context.js';
import type { CliDeps } from '../shared/io.js';

/** `notify --test [--json]`: a test message to every target in the config, and each one's result. */
export function notifyCommand(deps: CliDeps): Command {
  return withCommonOptions(new Command('notify').description("send a test message to every target in the config's notify section (--test)"))
    .option('--test', 'send a test message to every target and report each result (exit 1 if any failed)')
    .option('--json', 'print JSON')
    .action(async (options: CommonOptions & { test?: boolean; json?: boolean }) => {
      if (!options.test) throw new UsageError('notify needs --test: npm run job -- notify --test');
      const { io } = deps;
      const ctx = cliContext(options, deps);
      const { config } = ctx.loaded;
      const section = config.notify;
      if (!section?.targets.length) throw new UsageError(`No notify targets in ${configFileName(ctx.loaded)}; see "notify" in the README.`);
      const jobBeats = Object.values(config.jobs).flatMap((entry) => (typeof entry.heartbeatUrl === 'string' ? [entry.heartbeatUrl] : []));
      // The message names the server and database when CW_DB_URL is set; nothing connects.
      let spec;
      try {
        spec = parseConnectionSpec(io.env.CW_DB_URL);
      } catch {
        spec = undefined;
      }
      const { deliveries, heartbeats } = await sendTestMessages(section, jobBeats, spec, io.env);
      if (options.json) {
        io.stdout.write(`${JSON.stringify({ deliveries, heartbeatsNotPinged: heartbeats })}\n`);
      } else {
        const lines = deliveries.map((d) => `${d.ok ? 'sent  ' : 'FAILED'}  ${d.target} (${d.ms} ms)${d.ok ? '' : `: ${d.error}`}`);
        for (const beat of heartbeats) lines.push(`-       heartbeat ${beat}: not pinged (a test ping would count as a successful run)`);
        io.stdout.write(`${printableLines(lines.join('\n'))}\n`);
      }
      const failed = deliveries.filter((d) => !d.ok).length;
      if (failed) io.stderr.write(`cw-maint: ${failed} of ${deliveries.length} notify target(s) failed\n`);
      deps.exit(failed ? ExitCode.runtime : ExitCode.ok);
    });
}
