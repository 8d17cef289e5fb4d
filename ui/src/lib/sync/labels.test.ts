import { describe, expect, it } from 'vitest';
import { keyStatus, syncView } from '../../test/fixtures';
import {
  conflictLine,
  mayRegister,
  nextStep,
  outcomeLine,
  progressLabel,
  registrationState,
  serverState,
  serverStateHint,
} from './labels';

const NOW = Date.parse('2026-11-24T10:15:00Z');

describe('serverState', () => {
  it('names the first thing in the way, in order: server, reachability, registration, the key', () => {
    expect(serverState(syncView({ serverUrl: null, online: false, registered: false }))).toBe('No server');
    expect(serverState(syncView({ online: false, registered: false }))).toBe('Offline');
    expect(serverState(syncView({ registered: false }))).toBe('Not registered');
    expect(serverState(syncView({ key: keyStatus() }))).toBe('Online');
    expect(serverState(syncView({ key: keyStatus({ standing: 'pending' }) }))).toBe('Waiting for approval');
    expect(serverState(syncView({ key: keyStatus({ standing: 'revoked' }) }))).toBe('Key revoked');
    expect(serverState(syncView({ key: keyStatus({ standing: 'unrecognised', keyId: null }) }))).toBe(
      'Token not recognised',
    );
  });

  it('does not call a key revoked on an old answer: offline wins', () => {
    const stale = keyStatus({ standing: 'revoked', current: false });
    expect(serverState(syncView({ online: false, key: stale }))).toBe('Offline');
  });

  it('does not guess from a failed sync: a registered key the server has not described is "Online"', () => {
    expect(serverState(syncView({ key: null, lastError: 'Your key is registered but not approved yet' }))).toBe(
      'Online',
    );
  });
});

describe('registrationState', () => {
  it('says what the server said about the key, with the role', () => {
    expect(registrationState(syncView({ registered: false }), NOW)).toBe('Not registered');
    expect(registrationState(syncView({ key: null }), NOW)).toBe(
      'Registered — the server has not confirmed its state yet',
    );
    expect(registrationState(syncView({ key: keyStatus({ standing: 'pending' }) }), NOW)).toBe(
      'Registered as account manager — waiting for an admin to approve your key',
    );
    expect(registrationState(syncView({ key: keyStatus({ role: 'complianceOfficer' }) }), NOW)).toBe(
      'Approved as compliance officer: your changes sync with this server',
    );
    expect(registrationState(syncView({ key: keyStatus({ standing: 'revoked' }) }), NOW)).toBe(
      'Revoked by an admin: this key can no longer sync',
    );
    expect(
      registrationState(syncView({ key: keyStatus({ standing: 'unrecognised', keyId: null, role: null }) }), NOW),
    ).toBe('The server does not recognise the token kept for your key');
  });

  it('offline, gives the last answer and says from when', () => {
    const view = syncView({
      online: false,
      key: keyStatus({ standing: 'pending', checkedAt: '2026-11-24T10:00:00Z', current: false }),
    });
    const text = registrationState(view, NOW);
    expect(text).toMatch(/^Registered as account manager — waiting for an admin to approve your key \(as the server said /);
    expect(text).toContain('15 min');
    expect(text).toContain('it cannot be asked now');
    expect(serverStateHint('Offline', view, NOW)).toContain(`Last known: ${text}.`);
  });
});

describe('nextStep and mayRegister', () => {
  it('tell the person what to do for each state of the key', () => {
    expect(nextStep(syncView({ key: keyStatus({ standing: 'pending' }) }))).toContain('Ask an admin to approve your key');
    expect(nextStep(syncView({ key: keyStatus({ standing: 'revoked' }) }))).toContain('a revoked key cannot sync again');
    expect(nextStep(syncView({ key: keyStatus({ standing: 'unrecognised' }) }))).toContain('Register your key again');
    expect(nextStep(syncView({ key: keyStatus() }))).toBe('');
    expect(nextStep(syncView({ registered: false }))).toBe('Register your key in Settings.');
  });

  it('offer registration without a token, or when the server does not know it', () => {
    expect(mayRegister(null)).toBe(true);
    expect(mayRegister(syncView({ registered: false }))).toBe(true);
    expect(mayRegister(syncView({ key: keyStatus({ standing: 'unrecognised' }) }))).toBe(true);
    expect(mayRegister(syncView({ key: keyStatus({ standing: 'unrecognised', current: false }) }))).toBe(false);
    expect(mayRegister(syncView({ key: keyStatus({ standing: 'pending' }) }))).toBe(false);
    expect(mayRegister(syncView({ key: keyStatus({ standing: 'revoked' }) }))).toBe(false);
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
