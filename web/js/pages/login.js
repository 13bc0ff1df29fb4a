// Sign-in: POST /api/v1/login sets the HttpOnly session cookie and answers
// the CSRF token. A wrong name or password is one message (the server does
// not say which); too many failures get the server's wait message.

import { api } from '../api.js';
import { h, field, errorBox } from '../dom.js';
import { t } from '../i18n.js';

export function render(main, ctx) {
  ctx.setTitle(t('login.sign_in'));
  const errors = h('div', { class: 'form-errors' });
  const user = field(t('field.user'), 'input', { name: 'user', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = field(t('field.password'), 'input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.sign_in'));
  const form = h('form', { class: 'login-form', novalidate: true },
    errors, user.wrap, password.wrap, h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errors.replaceChildren();
    const name = user.input.value.trim();
    if (!name || !password.input.value) {
      errors.appendChild(errorBox(t('login.enter_both')));
      (name ? password.input : user.input).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.signing_in');
    try {
      const answer = await api('POST', '/login', { user: name, password: password.input.value }, { signIn: true });
      password.input.value = '';
      await ctx.signedIn(answer);
    } catch (err) {
      password.input.value = '';
      errors.appendChild(errorBox(err.status === 401 ? t('login.wrong') : err.message));
      password.input.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = t('login.sign_in');
    }
  });

  main.appendChild(h('div', { class: 'login-page' },
    h('h1', { tabindex: '-1' }, t('login.title')),
    h('p', { class: 'lead' }, t('login.lead')),
    form));
  if (!ctx.me) setTimeout(() => user.input.focus(), 0);
}
