import { describe, expect, it } from 'vitest';
import { draft } from '../../test/fixtures';
import { DEFAULT_DRAFT_SORT, nextSort, sortDrafts } from './sort';

const older = draft({ id: 'a-1', clientName: 'beta Corp', industryLabel: 'Retail', createdAt: '2026-11-01T10:00:00Z' });
const newer = draft({ id: 'a-2', clientName: 'Alpha Ltd', industryLabel: 'Healthcare', createdAt: '2026-11-20T10:00:00Z' });
const middle = draft({ id: 'a-3', clientName: 'Ålesund AS', industryLabel: 'Energy', createdAt: '2026-11-10T10:00:00.5+01:00' });
const names = (list: { clientName: string }[]) => list.map((d) => d.clientName);

describe('sortDrafts', () => {
  it('opens newest first', () => {
    expect(names(sortDrafts([older, newer, middle], DEFAULT_DRAFT_SORT))).toEqual([
      'Alpha Ltd',
      'Ålesund AS',
      'beta Corp',
    ]);
  });

  it('sorts names case-insensitively in both directions', () => {
    const asc = sortDrafts([older, newer], { key: 'clientName', direction: 'ascending' });
    expect(names(asc)).toEqual(['Alpha Ltd', 'beta Corp']);
    const desc = sortDrafts([older, newer], { key: 'clientName', direction: 'descending' });
    expect(names(desc)).toEqual(['beta Corp', 'Alpha Ltd']);
  });

  it('sorts industries by their label', () => {
    const asc = sortDrafts([older, newer, middle], { key: 'industry', direction: 'ascending' });
    expect(asc.map((d) => d.industryLabel)).toEqual(['Energy', 'Healthcare', 'Retail']);
  });

  it('sorts submission states by work left: edited, not submitted, submitted', () => {
    const list = [
      draft({ id: 's1', submission: 'submitted' }),
      draft({ id: 's2', submission: 'notSubmitted' }),
      draft({ id: 's3', submission: 'editedSinceSubmission' }),
    ];
    const asc = sortDrafts(list, { key: 'submission', direction: 'ascending' });
    expect(asc.map((d) => d.submission)).toEqual(['editedSinceSubmission', 'notSubmitted', 'submitted']);
  });

  it('compares times as instants, not as text', () => {
    const early = draft({ id: 'x', createdAt: '2026-11-10T10:00:00+01:00' }); // 09:00Z
    const late = draft({ id: 'y', createdAt: '2026-11-10T09:30:00Z' });
    expect(sortDrafts([late, early], { key: 'createdAt', direction: 'ascending' }).map((d) => d.id)).toEqual(['x', 'y']);
  });

  it('breaks ties newest first, then by id, and does not touch its input', () => {
    const input = [draft({ id: 'b' }), draft({ id: 'c' }), draft({ id: 'a' })];
    const sorted = sortDrafts(input, { key: 'clientName', direction: 'ascending' });
    expect(sorted.map((d) => d.id)).toEqual(['c', 'b', 'a']);
    expect(input.map((d) => d.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('nextSort', () => {
  it('flips the direction of the current column', () => {
    expect(nextSort({ key: 'clientName', direction: 'ascending' }, 'clientName')).toEqual({
      key: 'clientName',
      direction: 'descending',
    });
    expect(nextSort(DEFAULT_DRAFT_SORT, 'createdAt')).toEqual({ key: 'createdAt', direction: 'ascending' });
  });

  it('starts text columns ascending and time newest first', () => {
    expect(nextSort(DEFAULT_DRAFT_SORT, 'clientName')).toEqual({ key: 'clientName', direction: 'ascending' });
    expect(nextSort({ key: 'id', direction: 'ascending' }, 'createdAt')).toEqual({
      key: 'createdAt',
      direction: 'descending',
    });
  });
});
