import { describe, expect, it } from 'vitest';
import { countLabel, formatDateTime, relativeTime, shortId, shortKeyId } from './format';

describe('formatDateTime', () => {
  it('formats in the given locale and time zone', () => {
    expect(formatDateTime('2026-11-24T09:15:00Z', 'en-GB', 'UTC')).toBe('24 Nov 2026, 09:15');
    expect(formatDateTime('2026-11-24T09:15:00Z', 'en-US', 'UTC')).toBe('Nov 24, 2026, 9:15 AM');
    expect(formatDateTime('2026-11-24T09:15:00Z', 'de-DE', 'Europe/Berlin')).toBe('24.11.2026, 10:15');
  });

  it('uses the user’s locale when none is given', () => {
    const expected = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date('2026-11-24T09:15:00Z'),
    );
    expect(formatDateTime('2026-11-24T09:15:00Z')).toBe(expected);
  });

  it('shows text that is not a date as it is', () => {
    expect(formatDateTime('yesterday')).toBe('yesterday');
  });
});

describe('shortId', () => {
  it('keeps the random tail of a UUIDv7, not its timestamp head', () => {
    expect(shortId('01937b6e-4f1a-7c3d-9a2b-5e6f7a8b9c0d')).toBe('7a8b9c0d');
    expect(shortId('01937b6e-4f1a-7c3d-9a2b-000000000001')).not.toBe(
      shortId('01937b6e-4f1a-7c3d-9a2b-000000000002'),
    );
  });

  it('leaves short ids alone', () => {
    expect(shortId('abc')).toBe('abc');
  });
});

describe('countLabel', () => {
  it('picks singular or plural', () => {
    expect(countLabel(1, 'draft', 'drafts')).toBe('1 draft');
    expect(countLabel(0, 'draft', 'drafts')).toBe('0 drafts');
    expect(countLabel(12, 'draft', 'drafts')).toBe('12 drafts');
  });
});

describe('shortKeyId', () => {
  it('keeps the first 12 characters of a key id', () => {
    expect(shortKeyId('3f9a0c1d2e4b5a6978877665544332211')).toBe('3f9a0c1d2e4b');
    expect(shortKeyId('short')).toBe('short');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');

  it('says how long ago, in minutes and then hours', () => {
    expect(relativeTime('2026-11-24T11:59:40Z', now)).toBe('just now');
    expect(relativeTime('2026-11-24T11:59:00Z', now)).toBe('1 min ago');
    expect(relativeTime('2026-11-24T11:35:00Z', now)).toBe('25 min ago');
    expect(relativeTime('2026-11-24T11:00:30Z', now)).toBe('1 h ago');
    expect(relativeTime('2026-11-24T02:00:00Z', now)).toBe('10 h ago');
  });

  it('gives the date and time past a day, or for a time in the future', () => {
    expect(relativeTime('2026-11-22T09:15:00Z', now, 'en-GB', 'UTC')).toBe('22 Nov 2026, 09:15');
    expect(relativeTime('2026-11-24T13:00:00Z', now, 'en-GB', 'UTC')).toBe('24 Nov 2026, 13:00');
  });

  it('treats a clock a few seconds ahead as now, and shows text that is not a date as it is', () => {
    expect(relativeTime('2026-11-24T12:00:10Z', now)).toBe('just now');
    expect(relativeTime('soon', now)).toBe('soon');
  });
});
