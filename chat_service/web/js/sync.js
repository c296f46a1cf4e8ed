// Catching up with GET /api/v1/sync: from the stream_id of the last event handled, every
// event missed, oldest first, handed to the same handlers as live events. A position too
// old for the service (410 sync_expired) means reloading everything.

import { ApiError } from './api.js';

const PAGE = 500;

/** Replays what was missed since `since`; the position to continue from, or null when
 *  the position expired (the caller reloads). */
export async function replay(api, since, deliver) {
  let position = since;
  for (;;) {
    let page;
    try {
      page = await api.get(`/sync?since=${encodeURIComponent(position)}&limit=${PAGE}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 410) return null;
      throw error;
    }
    for (const event of page.events) deliver(event);
    position = page.next_since;
    if (!page.has_more) return position;
  }
}

/** The current position, for a client that has just loaded its conversations. */
export async function currentPosition(api) {
  return (await api.get('/sync')).next_since;
}
