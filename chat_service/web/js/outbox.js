// Sends not yet confirmed, kept in localStorage so that a reload (or a crash) loses none:
// they come back as failed, with their client_message_id, and a retry never duplicates.

const KEY = 'chat.outbox';

function readAll() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? {};
  } catch {
    return {};
  }
}

/** `where` names a conversation: `<me>/<conversation id>`, or `<me>/@<peer>` for a draft. */
export function loadOutbox(where) {
  return (readAll()[where] ?? []).map((item) => ({
    ...item, state: 'failed', error: 'Not sent yet.',
  }));
}

export function saveOutbox(where, pending) {
  const all = readAll();
  const kept = pending.map(({ key, client_message_id: id, content, reply_to: replyTo }) => ({
    key, client_message_id: id, content, reply_to: replyTo ?? null,
  }));
  if (kept.length) all[where] = kept;
  else delete all[where];
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or refused: the sends still go, they just would not survive a reload.
  }
}

export function clearOutboxes(me) {
  const all = readAll();
  for (const where of Object.keys(all)) if (where.startsWith(`${me}/`)) delete all[where];
  localStorage.setItem(KEY, JSON.stringify(all));
}
