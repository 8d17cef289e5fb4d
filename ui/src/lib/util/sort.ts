import type { Draft, SubmissionState } from '../backend';

export type DraftSortKey = 'clientName' | 'industry' | 'submission' | 'createdAt' | 'id';
export type SortDirection = 'ascending' | 'descending';
export interface DraftSort {
  key: DraftSortKey;
  direction: SortDirection;
}

/** Newest first: the order the list opens in. */
export const DEFAULT_DRAFT_SORT: DraftSort = { key: 'createdAt', direction: 'descending' };

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** Submission states in the order of work left: edited first, submitted last. */
const SUBMISSION_ORDER: Record<SubmissionState, number> = {
  editedSinceSubmission: 0,
  notSubmitted: 1,
  submitted: 2,
};

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

function compareBy(key: DraftSortKey, a: Draft, b: Draft): number {
  switch (key) {
    case 'clientName':
      return collator.compare(a.clientName, b.clientName);
    case 'industry':
      return collator.compare(a.industryLabel, b.industryLabel);
    case 'submission':
      return (SUBMISSION_ORDER[a.submission] ?? 9) - (SUBMISSION_ORDER[b.submission] ?? 9);
    case 'createdAt':
      return time(a.createdAt) - time(b.createdAt);
    case 'id':
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }
}

/**
 * A sorted copy. Ties are broken by creation time (newest first) and then id, so the
 * order is stable and the same on every render.
 */
export function sortDrafts(drafts: readonly Draft[], sort: DraftSort): Draft[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return [...drafts].sort(
    (a, b) =>
      sign * compareBy(sort.key, a, b) || compareBy('createdAt', b, a) || compareBy('id', b, a),
  );
}

/**
 * The sort after a click on a column header: the same column flips direction; another
 * column starts ascending (text) or descending (time: newest first).
 */
export function nextSort(current: DraftSort, key: DraftSortKey): DraftSort {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  return { key, direction: key === 'createdAt' ? 'descending' : 'ascending' };
}
