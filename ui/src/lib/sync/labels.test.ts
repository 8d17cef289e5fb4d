import { describe, expect, it } from 'vitest';
import { syncView } from '../../test/fixtures';
import { conflictLine, outcomeLine, progressLabel, registrationState, serverState } from './labels';

describe('serverState', () => {
  it('names the first thing in the way, in order: server, reachability, registration', () => {
    expect(serverState(syncView({ serverUrl: null, online: false, registered: false }))).toBe('No server');
    expect(serverState(syncView({ online: false, registered: false }))).toBe('Offline');
    expect(serverState(syncView({ registered: false }))).toBe('Not registered');
    expect(serverState(syncView())).toBe('Online');
    expect(serverState(syncView(), true)).toBe('Not registered');
  });
});

describe('registrationState', () => {
  it('tells a key waiting for approval from one that has synced', () => {
    expect(registrationState(syncView({ registered: false }))).toBe('Not registered');
    expect(registrationState(syncView())).toBe('Registered — an admin must approve it before you can sync');
    const synced = syncView({ lastSyncAt: '2026-11-24T09:15:00Z' });
    expect(registrationState(synced)).toBe('Registered and approved: your changes sync with this server');
    expect(registrationState(synced, true)).toBe('Registered — an admin must approve it before you can sync');
  });
});

describe('progressLabel', () => {
  it('says the phase, with a count when there is one', () => {
    expect(progressLabel(null)).toBe('Starting…');
    expect(progressLabel({ phase: 'keys', done: 0, total: null })).toBe('Fetching approved keys…');
    expect(progressLabel({ phase: 'pull', done: 40, total: null })).toBe('Receiving changes: 40 so far');
    expect(progressLabel({ phase: 'rebase', done: 1, total: 2 })).toBe('Rebasing your changes: 1 of 2');
    expect(progressLabel({ phase: 'push', done: 0, total: 5 })).toBe('Sending changes: 0 of 5');
  });
});

describe('outcomeLine and conflictLine', () => {
  it('count what a sync did and what waits for a decision', () => {
    expect(outcomeLine({ sent: 1, received: 0, rejected: 0 })).toBe('Synced: 1 sent, 0 received');
    expect(outcomeLine({ sent: 3, received: 2, rejected: 1 })).toBe('Synced: 3 sent, 2 received, 1 refused');
    expect(conflictLine(1)).toBe('1 conflict needs a decision');
    expect(conflictLine(2)).toBe('2 conflicts need a decision');
  });
});
