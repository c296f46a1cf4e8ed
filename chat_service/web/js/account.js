// Accounts by email, outside the app: the links in emails (#/verify-email?token=...,
// #/reset-password?token=...) and the "Forgot password?" form (#/forgot-password). Each
// screen is built when its route opens and removed when it closes, so its fields never
// stand beside the login form's.

import { request, describe } from './api.js';
import { byId, h } from './dom.js';

const ROUTES = ['verify-email', 'reset-password', 'forgot-password'];

/** The account route the hash names, if any: {kind, token}. */
export function accountRoute() {
  const match = /^#\/([a-z-]+)(?:\?(.*))?$/.exec(location.hash);
  if (!match || !ROUTES.includes(match[1])) return null;
  return { kind: match[1], token: new URLSearchParams(match[2] ?? '').get('token') ?? '' };
}

/** Show the route's screen in #account; `done()` when the person carries on. */
export function showAccount({ kind, token }, done) {
  const finish = () => {
    byId('account').replaceChildren();
    done();
  };
  const card = kind === 'verify-email' ? verify(token, finish)
    : kind === 'reset-password' ? reset(token, finish)
      : forgot(finish);
  byId('account').replaceChildren(card);
  card.querySelector('input, button')?.focus();
}

function screenCard(title, ...children) {
  return h('form', { class: 'login-card', novalidate: true }, h('h1', { text: title }), ...children);
}

function verify(token, finish) {
  const status = h('p', { class: 'hint', role: 'status', text: 'Confirming your address…' });
  const carryOn = h('button', { type: 'button', class: 'primary', text: 'Continue', onclick: finish });
  request('POST', '/auth/verify-email', { token })
    .then(() => { status.textContent = 'Your email address is confirmed.'; })
    .catch((failure) => { status.textContent = describe(failure); });
  return screenCard('Email address', status, h('div', { class: 'row' }, carryOn));
}

function reset(token, finish) {
  const password = h('input', {
    id: 'new-password', type: 'password', required: true, minLength: 8, maxLength: 128,
    autocomplete: 'new-password',
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = screenCard(
    'Choose a new password',
    h('label', { for: 'new-password', text: 'New password' }),
    password,
    error,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', text: 'Set new password' })),
  );
  form.onsubmit = async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await request('POST', '/auth/password-reset/confirm', { token, new_password: password.value });
    } catch (failure) {
      error.textContent = describe(failure);
      return;
    }
    form.replaceChildren(
      h('h1', { text: 'Password changed' }),
      h('p', { class: 'hint', role: 'status', text: 'You are logged out everywhere. Log in with your new password.' }),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'primary', text: 'Continue', onclick: finish })),
    );
  };
  return form;
}

function forgot(finish) {
  const account = h('input', {
    id: 'forgot-account', required: true, maxLength: 254, autocapitalize: 'none',
    spellcheck: false, autocomplete: 'email',
  });
  const status = h('p', { class: 'hint', role: 'status' });
  const form = screenCard(
    'Forgot password?',
    h('p', { class: 'hint', text: 'We will email a link to set a new password to the account’s address.' }),
    h('label', { for: 'forgot-account', text: 'Email or account name' }),
    account,
    status,
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', text: 'Send reset link' }),
      h('button', { type: 'button', text: 'Back to log in', onclick: finish })),
  );
  form.onsubmit = async (event) => {
    event.preventDefault();
    const value = account.value.trim();
    if (!value) return;
    try {
      await request('POST', '/auth/password-reset', value.includes('@') ? { email: value } : { username: value });
      status.textContent = 'If an account matches, an email with a link is on its way.';
    } catch (failure) {
      status.textContent = describe(failure);
    }
  };
  return form;
}
