import type { Backend, Draft, FieldIssue, Industry, IndustryOption, NewDraft } from '../lib/backend';

export const INDUSTRIES: IndustryOption[] = [
  { id: 'healthcare', label: 'Healthcare' },
  { id: 'financial_services', label: 'Financial services' },
];

export function draft(overrides: Partial<Draft> = {}): Draft {
  return {
    id: '01937b6e-4f1a-7c3d-9a2b-5e6f7a8b9c0d',
    clientName: 'Acme Health',
    industry: 'healthcare',
    industryLabel: 'Healthcare',
    createdAt: '2026-11-24T09:15:00Z',
    updatedAt: '2026-11-24T09:15:00Z',
    ...overrides,
  };
}

/** A promise whose settling the test controls. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A test double of the backend. Its "rule" (a blank name is rejected) is only here so
 * the tests can see the UI render what the backend says; the real rules live in Rust.
 */
export function fakeBackend(overrides: Partial<Backend> = {}): Backend & { created: NewDraft[] } {
  const created: NewDraft[] = [];
  const issuesFor = (input: NewDraft): FieldIssue[] => {
    const issues: FieldIssue[] = [];
    if (input.clientName.trim() === '') issues.push({ field: 'clientName', message: 'Enter the client’s name.' });
    if (input.industry === '') issues.push({ field: 'industry', message: 'Choose an industry.' });
    return issues;
  };
  return {
    created,
    appInfo: async () => ({
      version: '0.1.0',
      dataDir: '/tmp/tenantry',
      logDir: '/tmp/tenantry/logs',
      database: 'sqlite',
      databaseLocation: '/tmp/tenantry/tenantry.db',
      mirrorError: null,
    }),
    industries: async () => INDUSTRIES,
    validateNewDraft: async (input) => issuesFor(input),
    createDraft: async (input) => {
      created.push(input);
      return draft({ clientName: input.clientName, industry: input.industry as Industry });
    },
    listDrafts: async () => [],
    ...overrides,
  };
}

/** Lets pending promise callbacks and Svelte's updates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
