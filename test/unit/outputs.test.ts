import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { postJson } from '../../src/notify/send-http.js';
import { webhookBody } from '../../src/notify/payloads.js';
import { runMessage } from '../../src/notify/run-message.js';
import { printable } from '../../src/printable.js';
import { checkReportTarget, writeReport, type ReportMeta, type ReportRow } from '../../src/report/report-file.js';
import { textTable } from '../../src/cli/shared/text-table.js';
import { runCliInProcess } from '../support/cli.js';

const NOWHERE = { CW_DB_URL: 'postgres://u:p@127.0.0.1:9/db' };
const REVOKE = ['revoke-inactive', '--types', '1', '--statuses', '2'];
const META: ReportMeta = { runId: 42, job: 'revoke-inactive', mode: 'apply', server: 'postgres 127.0.0.1:5432', database: 'cw', ticket: 'CHG-1', cwMaintVersion: '0.1.0', generatedAt: '2026-12-01T00:00:00.000Z' };

function row(over: Partial<ReportRow>): ReportRow {
  return { contactRecId: 1, firstName: 'A', lastName: 'B', companyId: 'C1', companyName: 'Co', job: 'revoke-inactive', column: 'Disable_Flag', oldValue: 0, newValue: 1, ...over };
}

async function* rows(list: ReportRow[]) {
  yield* list;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const folder = () => mkdtempSync(join(tmpdir(), 'cwm-out-'));

describe('report files', () => {
  const evil = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', '+SUM(1,2)', '-2+3', '@evil', '\tTab', '\rCR', '\nLF', 'Chloé'];

  it('CSV: formula-like text cells get a leading quote (OWASP), numbers stay numbers, a UTF-8 BOM by default, facts in <file>.meta.json, mode 600', async () => {
    const dir = folder();
    const file = join(dir, 'r.csv');
    const written = await writeReport(checkReportTarget(file), rows(evil.map((name, i) => row({ contactRecId: 100 + i, lastName: name, companyName: name, oldValue: -1 }))), META);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const parsed = parse(bytes.toString('utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(parsed.map((r) => r.lastName)).toEqual(evil.map((name) => (name === 'Chloé' ? name : `'${name}`)));
    expect(parsed.map((r) => r.companyName)).toEqual(parsed.map((r) => r.lastName));
    // Numbers are numbers, a negative one too: no quote in front.
    expect(parsed[0]).toMatchObject({ contactRecId: '100', oldValue: '-1', newValue: '1' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sidecar = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8'));
    expect(sidecar).toMatchObject({ ...META, file: 'r.csv', rows: evil.length, sha256: sha(file), utf8Bom: true });
    expect(statSync(`${file}.meta.json`).mode & 0o777).toBe(0o600);
    expect(written).toMatchObject({ rows: evil.length, sha256: sha(file), metaPath: `${file}.meta.json` });
    expect(readdirSync(dir).sort()).toEqual(['r.csv', 'r.csv.meta.json']);
  });

  it('CSV without the BOM (--no-bom); JSON and JSON lines keep the raw values, with the facts in a header', async () => {
    const dir = folder();
    await writeReport(checkReportTarget(join(dir, 'plain.csv'), { bom: false }), rows([row({ lastName: '=1+1' })]), META);
    expect(readFileSync(join(dir, 'plain.csv'), 'utf8').startsWith('contactRecId,')).toBe(true);
    await writeReport(checkReportTarget(join(dir, 'r.json')), rows([row({ lastName: '=1+1' }), row({ contactRecId: 2 })]), META);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(json.meta).toEqual(META);
    expect(json.rows.map((r: ReportRow) => r.lastName)).toEqual(['=1+1', 'B']);
    await writeReport(checkReportTarget(join(dir, 'r.jsonl')), rows([row({ lastName: '@x' })]), META);
    const lines = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ meta: META }, row({ lastName: '@x' })]);
    for (const name of ['r.json', 'r.jsonl']) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
  });

  it('a file planted at the temporary name (a symlink) is not followed: O_EXCL refuses it', async () => {
    const dir = folder();
    const elsewhere = join(folder(), 'target');
    writeFileSync(elsewhere, 'untouched');
    symlinkSync(elsewhere, join(dir, `.r.csv.${process.pid}.tmp`));
    await expect(writeReport(checkReportTarget(join(dir, 'r.csv')), rows([row({})]), META)).rejects.toThrow(/EEXIST/);
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched');
  });

  it('the target is checked before the run: a missing folder, a directory, an unwritable folder, an existing file without --force (exit 2, nothing connected to)', async () => {
    const dir = folder();
    const refused = async (args: string[], message: string) => {
      const r = await runCliInProcess(args, NOWHERE);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
    };
    await refused([...REVOKE, '--dry-run', '--report', join(dir, 'missing', 'r.csv')], `the folder ${join(dir, 'missing')} does not exist`);
    mkdirSync(join(dir, 'd.csv'));
    await refused([...REVOKE, '--dry-run', '--report', join(dir, 'd.csv')], 'is a directory');
    writeFileSync(join(dir, 'old.csv'), 'keep me');
    await refused([...REVOKE, '--dry-run', '--report', join(dir, 'old.csv')], 'already exists; give --force to replace it');
    await refused(['plan', '--report', join(dir, 'old.csv'), '--config', join(dir, 'none.json')], 'Config file not found');
    await refused(['undo', '1', '--dry-run', '--report', join(dir, 'old.csv')], 'already exists; give --force-report to replace it');
    writeFileSync(join(dir, 'old.json.meta.json'), '');
    writeFileSync(join(dir, 'side.csv.meta.json'), '{}');
    await refused([...REVOKE, '--dry-run', '--report', join(dir, 'side.csv')], 'side.csv.meta.json already exists');
    // As root, permission bits do not stop a write; /proc/self takes no new file whoever asks.
    const locked = process.getuid?.() === 0 ? '/proc/self' : join(dir, 'locked');
    if (locked !== '/proc/self') mkdirSync(locked, { mode: 0o500 });
    await refused([...REVOKE, '--dry-run', '--report', join(locked, 'r.csv')], 'cannot write in the folder');
    expect(readFileSync(join(dir, 'old.csv'), 'utf8')).toBe('keep me');
    // With --force, the same file passes the check (and the command goes on to connect: exit 1).
    expect((await runCliInProcess([...REVOKE, '--dry-run', '--force', '--report', join(dir, 'old.csv')], NOWHERE)).code).toBe(1);
  });
});

describe('text outputs escape control characters; JSON keeps data exact', () => {
  const nasty = 'Evil\nName\t\x1b[31mred\x7f\x9b\u202Egnp.exe\u2066';

  it('printable escapes C0, DEL, C1 and the bidi controls, and leaves other text alone', () => {
    expect(printable(nasty)).toBe('Evil\\nName\\t\\x1B[31mred\\x7F\\x9B\\u202Egnp.exe\\u2066');
    expect(printable('Zoë Ñúñez 李 O"Hara, Jr. CORP\\dba')).toBe('Zoë Ñúñez 李 O"Hara, Jr. CORP\\dba');
  });

  it("a newline or tab in a name does not break a table's lines", () => {
    const lines = textTable(['id', 'name'], [['1', nasty], ['2', 'plain']]);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('Evil\\nName\\t');
  });

  it('pino-pretty lines (a terminal) escape every field; JSON log lines keep the data', () => {
    let pretty = '';
    createLogger({ stream: { isTTY: true, write: (t: string) => (pretty += t) } }).info({ event: 'x', ticket: nasty }, `run ${nasty}`);
    expect(pretty).not.toMatch(/\u202E|\x9b|\x1b\[31m/);
    expect(pretty).toContain('\\u202E');
    let json = '';
    createLogger({ stream: { write: (t: string) => (json += t) } }).info({ ticket: nasty }, 'x');
    expect(JSON.parse(json).ticket).toBe(nasty);
  });

  it('Slack and Teams: ticket and reason escaped (control characters; Slack markup such as <!channel> and <url|text>); the json format keeps them', () => {
    const run = { job: 'revoke-inactive', runId: 3, mode: 'apply' as const, trigger: 'manual' as const, outcome: 'failed', reason: `boom <!channel> <https://evil|click> ${nasty}`, ticket: `CHG-1\n<!here>` };
    const message = runMessage(run, { server: 's', database: 'd', host: 'h' }, new Date(0));
    const slack = JSON.stringify(webhookBody('slack', message));
    // Raw: the markup itself, JSON's escape of ESC (a raw control character), the bidi override character.
    for (const raw of ['<!channel>', '<!here>', '<https://evil|click>', '\\u001b', '\u202E']) expect(slack).not.toContain(raw);
    expect(slack).toContain('&lt;!channel&gt;');
    expect(slack).toContain('CHG-1\\\\n&lt;!here&gt;');
    const teams = JSON.stringify(webhookBody('teams', message));
    expect(teams).toContain('CHG-1\\\\n<!here>');
    expect(teams).not.toContain('\\u001b');
    expect(teams).not.toContain('\u202E');
    expect(webhookBody('json', message)).toMatchObject({ ticket: run.ticket, reason: run.reason });
  });
});

describe('webhooks', () => {
  it('a redirect is not followed: the error says it redirected, with the status code (and where, by origin only)', async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.writeHead(req.url === '/hook' ? 302 : 200, { location: 'https://hooks.example.com/secret-path' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await expect(postJson(`http://127.0.0.1:${port}/hook`, { a: 1 }, 5_000)).rejects.toThrow(
        'HTTP 302: the target answered with a redirect to https://hooks.example.com/…, which cw-maint does not follow',
      );
      expect(hits).toEqual(['POST /hook']);
    } finally {
      server.close();
    }
  });
});

describe('--json: one object for every outcome', () => {
  it('a job that cannot connect prints {job, mode, outcome: failed, reason, exitCode} on stdout', async () => {
    const r = await runCliInProcess([...REVOKE, '--yes', '--json'], NOWHERE);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ job: 'revoke-inactive', mode: 'apply', outcome: 'failed', reason: expect.stringContaining('Cannot connect'), exitCode: 1 });
  });

  it('a refused command line is outcome refused with its problems; undo and other verbs print one object too', async () => {
    const bad = await runCliInProcess([...REVOKE, '--dry-run', '--json', '--max-percent', ''], NOWHERE);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ job: 'revoke-inactive', mode: 'dry-run', outcome: 'refused', exitCode: 2, reason: expect.stringContaining('--max-percent') });
    const undo = await runCliInProcess(['undo', '2147483648', '--json'], NOWHERE);
    expect(JSON.parse(undo.stdout)).toMatchObject({ mode: 'undo', outcome: 'refused', exitCode: 2 });
    const history = await runCliInProcess(['history', '--json', '--limit', '0'], NOWHERE);
    expect(JSON.parse(history.stdout)).toMatchObject({ command: 'history', outcome: 'refused', exitCode: 2 });
    const unknown = await runCliInProcess(['lookup', 'statuses', '--json', '--bogus'], NOWHERE);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ command: 'lookup', outcome: 'refused', exitCode: 2 });
  });
});
