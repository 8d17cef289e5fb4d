// Presentation helpers: how values look on screen. No rules about what is valid.

/**
 * A date and time in the user's locale and time zone, e.g. "24 Nov 2026, 09:15".
 * Falls back to the raw text if it is not a date, so nothing is hidden.
 */
export function formatDateTime(iso: string, locale?: string | string[], timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/**
 * The short form of an id shown in tables. Ids are UUIDv7, whose leading digits are a
 * timestamp (drafts made in the same minute share them), so the short form is the
 * last eight hex digits, which are random.
 */
export function shortId(id: string): string {
  const hex = id.replace(/-/g, '');
  return hex.length > 8 ? hex.slice(-8) : id;
}

/** "1 draft", "3 drafts". */
export function countLabel(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** The first 12 characters of a signing key id: enough to tell keys apart at a glance. */
export function shortKeyId(keyId: string): string {
  return keyId.length > 12 ? keyId.slice(0, 12) : keyId;
}

/**
 * How long ago `iso` was, for times that matter by their recency ("just now",
 * "5 min ago", "3 h ago"); past a day (or in the future, when clocks disagree) the
 * date and time as `formatDateTime` writes them. Text that is not a date is shown as it is.
 */
export function relativeTime(iso: string, now: number = Date.now(), locale?: string | string[], timeZone?: string): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = (now - then) / 1000;
  if (seconds < -60 || seconds >= 24 * 3600 - 30) return formatDateTime(iso, locale, timeZone);
  if (seconds < 45) return 'just now';
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.round(minutes / 60)} h ago`;
}
