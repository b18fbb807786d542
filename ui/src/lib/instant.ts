/** An instant as a person at the station reads it: "Dec 7, 09:46 AM GMT+8"
 * (the zone said, since a phone or a till may be set to another). */
export function formatInstant(locale: string, ms: number, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone,
  }).format(new Date(ms));
}
