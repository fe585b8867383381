// app.js — the console's shell: the header and its tabs, hash routing
// (#/supervisors, #/tasks/<id>, ...), one polling loop for the view on
// screen, the confirmation dialog and the notices.
//
// Polling is bounded: the next refresh is scheduled only once the previous
// one answered (slow answers slow the loop down instead of piling requests
// up), and nothing is polled while the page is hidden. Each refresh renders
// through dom.js's patch, so what the user is doing survives it.

import { h, patch } from './dom.js';
import { get } from './api.js';
import { supervisorsView } from './views/supervisors.js';
import { tasksView } from './views/tasks.js';
import { datasourcesView } from './views/datasources.js';
import { queryView } from './views/query.js';
import { loadView } from './views/load.js';

const VIEWS = [
  ['supervisors', 'Supervisors', supervisorsView],
  ['tasks', 'Tasks', tasksView],
  ['datasources', 'Datasources', datasourcesView],
  ['query', 'Query', queryView],
  ['load', 'Load data', loadView],
];

class App {
  constructor(root) {
    this.root = root;
    this.views = new Map();
    this.current = null;
    this.route = [];
    this.dialog = null;
    this.notice = null;
    this.version = '';
    this.caps = { sql: null };
    this.timer = null;
    this.generation = 0;
    window.addEventListener('hashchange', () => this.go());
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.poll(this.generation);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.dialog && !this.dialog.busy) this.closeDialog();
    });
  }

  async start() {
    get('/status').then((s) => { this.version = s && s.version ? s.version : ''; this.update(); }).catch(() => {});
    this.probeSql();
    this.go();
  }

  // Is Druid SQL served here? A 404 from the router says no; anything else
  // (an answer, or a 400 about the statement) says yes.
  async probeSql() {
    try {
      const res = await fetch('/druid/v2/sql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"SELECT 1"}' });
      this.caps.sql = res.status !== 404 && res.status !== 405;
    } catch (e) {
      this.caps.sql = false;
    }
    this.update();
  }

  view(name) {
    if (!this.views.has(name)) {
      const entry = VIEWS.find((v) => v[0] === name);
      this.views.set(name, entry[2](this));
    }
    return this.views.get(name);
  }

  go() {
    const hash = location.hash.replace(/^#\/?/, '');
    const parts = hash.split('/').map((p) => decodeURIComponent(p));
    let name = parts[0];
    if (!VIEWS.some((v) => v[0] === name)) name = 'supervisors';
    this.route = parts.slice(1).filter((p) => p !== '');
    const v = this.view(name);
    this.currentName = name;
    this.current = v;
    if (v.route) v.route(this.route);
    this.generation++;
    clearTimeout(this.timer);
    this.update();
    this.poll(this.generation);
  }

  navigate(path) {
    location.hash = '#/' + path.map((p) => encodeURIComponent(p)).join('/');
  }

  async poll(gen) {
    if (gen !== this.generation) return;
    clearTimeout(this.timer);
    if (document.hidden) return; // resumed by visibilitychange
    const v = this.current;
    if (v.refresh) {
      try {
        await v.refresh();
        v.error = null;
      } catch (e) {
        v.error = e.message || String(e);
      }
    }
    if (gen !== this.generation) return;
    this.update();
    if (v.interval) this.timer = setTimeout(() => this.poll(gen), v.interval());
  }

  // Refresh the current view now (after an action), then keep polling.
  refreshNow() {
    this.generation++;
    this.poll(this.generation);
  }

  update() {
    if (this.rendering) {
      this.again = true;
      return;
    }
    this.rendering = true;
    try {
      do {
        this.again = false;
        patch(this.root, this.render());
      } while (this.again);
    } finally {
      this.rendering = false;
    }
  }

  render() {
    const v = this.current;
    return [
      h('header', { key: 'hdr', class: 'top' },
        h('a', { class: 'brand', href: '#/supervisors' }, h('span', { class: 'logo' }, '▚'), 'varve console'),
        h('nav', null, VIEWS.map(([id, title]) =>
          h('a', { key: id, href: `#/${id}`, class: id === this.currentName ? 'tab active' : 'tab', 'data-view': id }, title))),
        h('span', { class: 'version' }, this.version ? `varve ${this.version}` : '')),
      h('main', { key: 'main', class: `view view-${this.currentName}` },
        v.error ? h('div', { key: 'view-error', class: 'banner error', role: 'alert' }, v.error) : null,
        v.render()),
      this.notice ? h('div', { key: 'notice', class: `notice ${this.notice.kind}`, role: 'status' }, this.notice.text) : null,
      this.dialog ? this.renderDialog() : null,
    ];
  }

  notify(text, kind = 'ok') {
    this.notice = { text, kind };
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { this.notice = null; this.update(); }, 5000);
    this.update();
  }

  // A confirmation: {title, text, ok, danger, action: async () => message}
  confirm(d) {
    this.dialog = { ...d, busy: false, error: null };
    this.update();
  }

  closeDialog() {
    this.dialog = null;
    this.update();
  }

  renderDialog() {
    const d = this.dialog;
    const run = async () => {
      d.busy = true;
      d.error = null;
      this.update();
      try {
        const msg = await d.action();
        this.dialog = null;
        if (msg) this.notify(msg);
        this.refreshNow();
      } catch (e) {
        d.busy = false;
        d.error = e.message || String(e);
        this.update();
      }
    };
    return h('div', { key: 'dialog', class: 'overlay', onclick: (e) => { if (e.target.classList.contains('overlay') && !d.busy) this.closeDialog(); } },
      h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': d.title },
        h('h2', null, d.title),
        h('p', null, d.text),
        d.error ? h('div', { class: 'banner error' }, d.error) : null,
        h('div', { class: 'buttons' },
          h('button', { class: 'secondary', disabled: d.busy, onclick: () => this.closeDialog() }, 'Cancel'),
          h('button', { class: d.danger ? 'danger' : 'primary', disabled: d.busy, onclick: run, 'data-confirm': 'ok' }, d.busy ? 'Working…' : d.ok || 'OK'))));
  }
}

const app = new App(document.getElementById('app'));
window.varveConsole = app; // for the browser tests and the curious
app.start();
