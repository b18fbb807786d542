/** An instant as a person at the station reads it: "Dec 7, 09:46 GMT+8",
 * "12月7日 09:46 GMT+8" (the zone said, since a phone or a till may be set to
 * another). The zone goes last in every language: `Intl` alone puts it
 * between the date and the time in Chinese ("12月7日 GMT+8 09:46"). */
export function formatInstant(locale: string, ms: number, timeZone?: string): string {
  const at = new Date(ms);
  const dateTime = new Intl.DateTimeFormat(locale, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    // The 24-hour clock of the boards, the day's list and the paper.
    hourCycle: 'h23',
    timeZone,
  }).format(at);
  const zone = new Intl.DateTimeFormat(locale, { timeZoneName: 'short', timeZone })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return zone ? `${dateTime} ${zone}` : dateTime;
}
