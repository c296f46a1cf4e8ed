// Building the DOM from nodes only: no HTML strings anywhere, so the page's Trusted Types
// policy (`trusted-types 'none'`) holds and no text can ever become markup.

/** h('li', {class: 'x', onclick: f, 'aria-label': 'y'}, child, 'text', ...) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key in el && !key.includes('-')) el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export const byId = (id) => document.getElementById(id);

/** Debounce: run `fn` once calls stop for `ms`. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** The contract's RFC 3339 with nine fraction digits, as milliseconds. */
export function parseTime(text) {
  return text ? Date.parse(text.replace(/(\.\d{3})\d+/, '$1')) : NaN;
}

export function shortTime(text) {
  const ms = parseTime(text);
  if (Number.isNaN(ms)) return '';
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return today ? timeFormat.format(date) : dayFormat.format(date);
}

export function fullTime(text) {
  const ms = parseTime(text);
  return Number.isNaN(ms) ? '' : new Date(ms).toLocaleString();
}

/** Make `container`'s children exactly `elements`, in order, moving only what moved. */
export function reconcile(container, elements) {
  let cursor = container.firstChild;
  for (const el of elements) {
    if (el === cursor) cursor = cursor.nextSibling;
    else container.insertBefore(el, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}
