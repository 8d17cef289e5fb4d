// @ts-check
// A fake of the Tauri IPC for the browser tests, installed before the page loads.
//
// It stands in for the Rust commands of docs/ipc-contract.md, in memory. THIS IS ONLY A
// TEST DOUBLE: the real rules (what a valid client name is, which industries exist) live
// in crates/tenantry-core. The fake rejects a few bad names with its own messages only
// so the tests can prove that the UI shows whatever the backend says, where it says it.

/**
 * @typedef {{ id: string, clientName: string, industry: string, industryLabel: string,
 *             createdAt: string, updatedAt: string }} Draft
 * @typedef {{
 *   drafts?: Draft[],
 *   failListDrafts?: number,
 *   failAppInfo?: number,
 *   databaseLocation?: string,
 *   mirrorError?: string,
 * }} FakeOptions
 */

/**
 * Runs inside the page (serialised by Playwright's addInitScript): it must not refer to
 * anything outside itself.
 * @param {FakeOptions} options
 */
export function installFakeIpc(options) {
  const industries = [
    { id: 'healthcare', label: 'Healthcare' },
    { id: 'financial_services', label: 'Financial services' },
    { id: 'retail', label: 'Retail' },
    { id: 'public_sector', label: 'Public sector' },
    { id: 'education', label: 'Education' },
  ];
  /** @type {Draft[]} */
  const drafts = [...(options.drafts ?? [])];
  let failListDrafts = options.failListDrafts ?? 0;
  let failAppInfo = options.failAppInfo ?? 0;
  /** @type {{ cmd: string, args: unknown }[]} */
  const calls = [];

  /** @param {{ clientName: string, industry: string }} input */
  function issuesFor(input) {
    const issues = [];
    const name = input.clientName;
    if (name.trim() === '') {
      issues.push({ field: 'clientName', message: 'Enter the client’s name (fake backend).' });
    } else if ([...name].length > 200) {
      issues.push({ field: 'clientName', message: 'Use at most 200 characters (fake backend).' });
    } else if (/\p{Cc}/u.test(name)) {
      issues.push({ field: 'clientName', message: 'Remove control characters (fake backend).' });
    }
    if (!industries.some((i) => i.id === input.industry)) {
      issues.push({ field: 'industry', message: 'Choose one of the listed industries (fake backend).' });
    }
    return issues;
  }

  function uuidv7ish() {
    const time = Date.now().toString(16).padStart(12, '0');
    const random = crypto.randomUUID().replace(/-/g, '').slice(0, 20);
    const hex = `${time}7${random.slice(1)}`;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  /** @type {Record<string, (args: any) => unknown>} */
  const commands = {
    app_info: () => {
      if (failAppInfo > 0) {
        failAppInfo--;
        throw { code: 'storage', message: 'The data directory could not be opened (fake backend).', fields: [] };
      }
      return {
        version: '0.1.0-test',
        dataDir: '/home/ops/.local/share/tenantry',
        logDir: '/home/ops/.local/state/tenantry/logs',
        database: 'sqlite',
        databaseLocation: options.databaseLocation ?? '/home/ops/.local/share/tenantry/tenantry.db',
        mirrorError: options.mirrorError ?? null,
      };
    },
    industries: () => industries,
    validate_new_draft: ({ input }) => issuesFor(input),
    create_draft: ({ input }) => {
      const fields = issuesFor(input);
      if (fields.length > 0) {
        throw { code: 'invalid_input', message: 'The draft was not saved (fake backend).', fields };
      }
      const now = new Date().toISOString();
      const industry = industries.find((i) => i.id === input.industry);
      /** @type {Draft} */
      const draft = {
        id: uuidv7ish(),
        clientName: input.clientName,
        industry: input.industry,
        industryLabel: industry ? industry.label : input.industry,
        createdAt: now,
        updatedAt: now,
      };
      drafts.push(draft);
      return draft;
    },
    list_drafts: () => {
      if (failListDrafts > 0) {
        failListDrafts--;
        throw {
          code: 'storage',
          message: 'The local database could not be read (fake backend). Check the disk, then try again.',
          fields: [],
        };
      }
      return [...drafts].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
  };

  /** @type {Map<number, Function>} */
  const callbacks = new Map();
  let nextCallback = 1;

  Object.assign(window, {
    __FAKE_IPC__: { calls, drafts },
    __TAURI_INTERNALS__: {
      /**
       * @param {string} cmd
       * @param {unknown} args
       */
      invoke: async (cmd, args) => {
        calls.push({ cmd, args: structuredClone(args) });
        // Answers come back in a later task, as over the real IPC.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const command = commands[cmd];
        if (!command) throw `command ${cmd} not found`;
        return structuredClone(command(args));
      },
      /** @param {Function} callback */
      transformCallback: (callback) => {
        const id = nextCallback++;
        callbacks.set(id, callback);
        return id;
      },
      /** @param {number} id */
      unregisterCallback: (id) => callbacks.delete(id),
      metadata: {
        currentWindow: { label: 'main' },
        currentWebview: { label: 'main', windowLabel: 'main' },
      },
    },
  });
}
