import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { wouldChangeBack, type ConfiguredJob } from '../../src/run/job/converge.js';
import { oldRestoreReactivated } from '../support/old-restore-reactivated.js';

/** Which job would change back another's change, from the job files alone (no database). */
const entry = (name: string, params: Record<string, unknown>): ConfiguredJob => {
  const job = [...JOBS, oldRestoreReactivated].find((j) => j.name === name)!;
  return { job, params: job.paramsSchema.parse(params) as Record<string, unknown> };
};
const at = { companyTypes: [1], companyStatuses: [1] };
const fight = (a: ConfiguredJob, b: ConfiguredJob) => wouldChangeBack(a, b) && wouldChangeBack(b, a);

describe('wouldChangeBack', () => {
  it('two levels fight unless one job only takes level 0', () => {
    const primary6 = entry('set-primary-portal', { level: 6, ...at });
    const company3 = entry('set-company-portal', { level: 3, companyId: 'A' });
    expect(fight(primary6, company3)).toBe(true);
    expect(fight(primary6, entry('set-company-portal', { level: 3, companyId: 'A', onlyUnset: true }))).toBe(false);
    expect(fight(primary6, entry('set-billing-portal', { level: 4, ...at }))).toBe(false); // billing: onlyUnset by default
    expect(fight(primary6, entry('set-billing-portal', { level: 4, ...at, onlyUnset: false }))).toBe(true);
    expect(fight(primary6, entry('set-company-portal', { level: 6, companyId: 'A' }))).toBe(false); // the same value
  });

  it('the old restore-reactivated fights every job that disables; the new one only revoke-inactive', () => {
    const contacts = entry('revoke-inactive-contacts', { companyTypes: [1] });
    const revoke = entry('revoke-inactive', { companyTypes: [1], companyStatuses: [2] });
    expect(fight(entry('old-restore-reactivated', at), contacts)).toBe(true);
    expect(fight(entry('old-restore-reactivated', at), revoke)).toBe(true);
    expect(fight(entry('restore-reactivated', at), contacts)).toBe(false);
    expect(fight(entry('restore-reactivated', at), revoke)).toBe(true); // the data decides: only where both targets meet
    expect(fight(revoke, contacts)).toBe(false); // both write 1
    expect(wouldChangeBack(revoke, revoke)).toBe(false);
  });

  it('different columns never fight', () => {
    expect(fight(entry('set-primary-portal', { level: 6, ...at }), entry('revoke-inactive', { companyTypes: [1], companyStatuses: [2] }))).toBe(false);
  });
});
