#!/usr/bin/env node
// cw-maint without npm in between: signals reach this process directly (a service manager's
// SIGTERM, Ctrl-C), and no npm option can swallow a flag. `npm run job -- ...` runs the same code.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
