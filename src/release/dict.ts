// Records keyed by Python names must not inherit from Object.prototype: a module may well bind
// `constructor` or `toString` (the stdlib does).

/** An empty record with no prototype. */
export function dict<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}
