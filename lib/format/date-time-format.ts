/**
 * Intl.DateTimeFormat instances, made once per locale and options. Constructing one costs far more
 * than formatting with it (ICU loads the zone and the locale's patterns), and a catalogue page
 * needs several per event, so building them per render showed up in the web server's CPU
 * profile under load (docs/benchmarks.md, "Measurements behind decisions").
 * Time zones come from a validated list, so the keys are bounded; the map is cleared if it ever
 * grows past a limit rather than holding what a caller might vary without end.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
const LIMIT = 2_000;

export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    if (formats.size >= LIMIT) formats.clear();
    formats.set(key, format);
  }
  return format;
}
