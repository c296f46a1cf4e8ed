// Reactions and pins of a message, as this client keeps them: the server's summary
// ([{emoji, count, me}], most used first) and `pinned`. Live events carry the summary
// without `me` (one broadcast serves every member), so `me` is kept from what we knew,
// and changed only by our own reactions.

export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '👀'];

/** `incoming` (maybe without `me`) with `me` taken from `known` where it is missing. */
export function withMe(known = [], incoming = []) {
  const mine = new Set(known.filter((r) => r.me).map((r) => r.emoji));
  return incoming.map((r) => ({ emoji: r.emoji, count: r.count, me: r.me ?? mine.has(r.emoji) }));
}

/** The summary after a `message.reactions` event, as `me` sees it. */
export function afterEvent(known, { reactions, username, emoji, added }, me) {
  const next = withMe(known, reactions);
  if (username !== me) return next;
  return next.map((r) => (r.emoji === emoji ? { ...r, me: added } : r));
}

/** The summary after our own add or removal, before the server's event confirms it. */
export function toggled(known = [], emoji, on) {
  const found = known.find((r) => r.emoji === emoji);
  if (found && found.me === on) return known;
  if (!found) return on ? [...known, { emoji, count: 1, me: true }] : known;
  return known
    .map((r) => (r.emoji === emoji ? { ...r, count: r.count + (on ? 1 : -1), me: on } : r))
    .filter((r) => r.count > 0);
}
