// api.js — how the console talks to varve: Druid's HTTP API only, through
// fetch with a time limit, and the error bodies Druid returns turned into
// one readable message. Also the small formatting helpers every view uses.

const TIMEOUT_MS = 15000; // one request; polling waits for it, so slow answers slow polling, never pile up

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

// The message of a Druid error body: {"error": "..."} from the overlord and
// coordinator, {"errorMessage": ...} from the broker and SQL.
export function errorMessage(status, body) {
  if (body && typeof body === 'object') {
    if (typeof body.errorMessage === 'string' && body.errorMessage) return body.errorMessage;
    if (typeof body.error === 'string' && body.error) return body.error;
    if (typeof body.message === 'string') return body.message;
  }
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 500);
  return `HTTP ${status}`;
}

export async function request(method, path, body, opts = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), opts.timeoutMs || TIMEOUT_MS);
  const init = { method, signal: ctl.signal, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    clearTimeout(timer);
    throw new ApiError(0, e.name === 'AbortError' ? `${method} ${path}: no answer in time` : `${method} ${path}: ${e.message}`);
  }
  let text;
  try {
    text = await res.text();
  } finally {
    clearTimeout(timer);
  }
  let parsed = text;
  if (text && (res.headers.get('Content-Type') || '').includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      // keep the text: a streamed answer may have been cut off
    }
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, parsed), parsed);
  if (opts.text) return text;
  if (!text) return null;
  if (typeof parsed === 'string') {
    try {
      return JSON.parse(text);
    } catch (e) {
      return text;
    }
  }
  return parsed;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body === undefined ? '' : body, opts);

export const enc = encodeURIComponent;

// ---- formatting --------------------------------------------------------

export function fmtInt(n) {
  if (n == null || n === '') return '';
  if (typeof n !== 'number') return String(n);
  return n.toLocaleString('en-US');
}

export function fmtBytes(n) {
  if (n == null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function fmtDuration(ms) {
  if (ms == null || ms < 0 || Number.isNaN(ms)) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hh = Math.floor(m / 60);
  if (hh < 48) return `${hh}h ${m % 60}m`;
  return `${Math.floor(hh / 24)}d ${hh % 24}h`;
}

// "2026-01-01T00:00:00.000Z" -> "2026-01-01 00:00:00"
export function fmtTime(iso) {
  if (!iso) return '';
  return String(iso).replace('T', ' ').replace(/\.000Z$|Z$/, '');
}

export function fmtValue(v) {
  if (v == null) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function pretty(v) {
  return JSON.stringify(v, null, 2);
}
