import type { ImagePreview } from '../backend';

// The media types the backend checks images against. A preview of anything else is
// not drawn: an `image/svg+xml` data URL would run no script in an <img>, but there is
// no reason to render a type the backend never sends.
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);

/** A `data:` URL for the preview, or `null` when the media type is not an image the app stores. */
export function previewUrl(preview: ImagePreview): string | null {
  if (!IMAGE_TYPES.has(preview.mediaType)) return null;
  return `data:${preview.mediaType};base64,${preview.base64}`;
}

/** The reference names an image kept in the mirror (the backend decides whether it holds it). */
export function isStoredImage(reference: string | null | undefined): reference is string {
  return typeof reference === 'string' && reference.startsWith('asset://');
}
