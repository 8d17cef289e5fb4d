// @vitest-environment jsdom
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError, tauriBackend } from '.';

afterEach(() => clearMocks());

describe('the file commands over IPC', () => {
  it('are called by their Rust names with the contract arguments, and null is a cancelled dialog', async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'export_document') return { fileName: 'acme.toml', format: 'TOML' };
      if (cmd === 'image_preview') return { mediaType: 'image/png', base64: 'iVBORw0KGgo=', width: 1, height: 1 };
      return null;
    });

    await expect(tauriBackend.importDocument('d-1', 'classification')).resolves.toBeNull();
    await expect(tauriBackend.exportDocument('d-1')).resolves.toEqual({ fileName: 'acme.toml', format: 'TOML' });
    await expect(tauriBackend.chooseImage('d-1', 'frontend_customization', '/customization/branding/logo_ref')).resolves.toBeNull();
    await expect(tauriBackend.imagePreview('asset://sha256/ab')).resolves.toMatchObject({ mediaType: 'image/png' });

    expect(calls).toEqual([
      ['import_document', { id: 'd-1', step: 'classification' }],
      ['export_document', { id: 'd-1' }],
      ['choose_image', { id: 'd-1', step: 'frontend_customization', path: '/customization/branding/logo_ref' }],
      ['image_preview', { reference: 'asset://sha256/ab' }],
    ]);
  });

  it('turn a refused file into a BackendError carrying the backend’s message', async () => {
    const refusal = { code: 'invalid_input', message: 'logo.svg was not used: it is an SVG image. Nothing was changed.', fields: [] };
    mockIPC(() => {
      throw refusal;
    });
    const failure = await tauriBackend.chooseImage('d-1', 'frontend_customization', '/x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BackendError);
    expect((failure as BackendError).appError).toEqual(refusal);
  });
});
