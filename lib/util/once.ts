/**
 * Runs `load(key)` once per key and shares the promise; a failure is forgotten so the next call
 * tries again.
 */
export function onceByKey<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const results = new Map<string, Promise<T>>();
  return (key) => {
    let pending = results.get(key);
    if (!pending) {
      pending = load(key);
      results.set(key, pending);
      pending.catch(() => results.delete(key));
    }
    return pending;
  };
}
