import { describe, expect, it } from 'vitest';
import { conflictView } from '../../test/fixtures';
import { choicesLine, resolvedLine, waitingLine } from './labels';

describe('conflict wording', () => {
  it('counts the fields still without a side', () => {
    expect(choicesLine(0, 2)).toBe('Choose a side for every field: 0 of 2 chosen.');
    expect(choicesLine(1, 2)).toBe('Choose a side for every field: 1 of 2 chosen.');
    expect(choicesLine(2, 2)).toBe('All 2 fields have a side.');
    expect(choicesLine(1, 1)).toBe('The field has a side.');
  });

  it('says whether the resolution was queued or left nothing', () => {
    expect(resolvedLine('acme-health', 'f'.repeat(64))).toBe(
      'Resolved acme-health: your choices are signed and queued, and will be sent at the next sync.',
    );
    expect(resolvedLine('acme-health', null)).toBe(
      'Resolved acme-health: the server’s values won every field, so nothing of your change was left and nothing was queued.',
    );
  });

  it('counts the conflicts waiting', () => {
    expect(waitingLine([conflictView()])).toBe('1 conflict waits for a decision');
    expect(waitingLine([conflictView(), conflictView({ changeset: 'b' })])).toBe('2 conflicts wait for a decision');
  });
});
