// Message ids are TIMEUUIDs: their string order is not their time order. This key is
// (the same as the server's `sort_key`) a fixed-width string that sorts like Cassandra.

export function sortKey(id) {
  const [low, mid, high, ...rest] = id.split('-');
  return high.slice(1) + mid + low + rest.join('');
}

export const compareIds = (a, b) => {
  const x = sortKey(a);
  const y = sortKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export const isNewer = (a, b) => !b || (a && compareIds(a, b) > 0);

/** A random id for `client_message_id` (crypto.randomUUID needs a secure context). */
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
