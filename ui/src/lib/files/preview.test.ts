import { describe, expect, it } from 'vitest';
import { isStoredImage, previewUrl } from './preview';

describe('image previews', () => {
  it('makes a data URL of a PNG, JPEG or WebP the backend sent', () => {
    expect(previewUrl({ mediaType: 'image/png', base64: 'iVBORw0KGgo=', width: 1, height: 1 })).toBe(
      'data:image/png;base64,iVBORw0KGgo=',
    );
    expect(previewUrl({ mediaType: 'image/webp', base64: 'UklGRg==', width: 1, height: 1 })).toMatch(/^data:image\/webp;/);
  });

  it('draws nothing for another media type', () => {
    expect(previewUrl({ mediaType: 'image/svg+xml', base64: 'PHN2Zy8+', width: 1, height: 1 })).toBeNull();
    expect(previewUrl({ mediaType: 'text/html', base64: 'PGI+', width: 1, height: 1 })).toBeNull();
  });

  it('tells a stored image from an address', () => {
    expect(isStoredImage(`asset://sha256/${'a'.repeat(64)}`)).toBe(true);
    expect(isStoredImage('https://cdn.example.com/logo.png')).toBe(false);
    expect(isStoredImage(null)).toBe(false);
  });
});
