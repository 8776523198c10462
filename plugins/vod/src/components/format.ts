/** A time in the viewer's own time zone and language, e.g. "26 Nov 2026, 20:00". */
export function localTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(iso));
}
