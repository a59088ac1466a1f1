// Preloaded by `npm run bench` into a measured child process: prints its peak resident set size
// (the operating system's own figure) on stderr when it exits.
process.on('exit', () => process.stderr.write(`\nmaxRSS_KB=${process.resourceUsage().maxRSS}\n`));
