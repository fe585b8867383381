// dom.js — the console's rendering: views describe their DOM as plain
// objects (h(...)) and patch() brings a live element in line with such a
// description, touching only what differs. Nodes are reused in place, so a
// refresh every few seconds keeps scroll positions, text selections, open
// details and the focus where the user left them, and nothing flickers.
//
// A vnode is a string (a text node), null/false (nothing), an element
// {tag, key, attrs, children}, or {el} — an element a view owns and keeps
// itself (an editor), placed as is and never looked into.

const SVG_NS = 'http://www.w3.org/2000/svg';

export function h(tag, attrs, ...children) {
  const flat = [];
  flatten(children, flat);
  const a = attrs || {};
  return { tag, key: a.key != null ? String(a.key) : null, attrs: a, children: flat };
}

function flatten(list, out) {
  for (const c of list) {
    if (c == null || c === false || c === true) continue;
    if (Array.isArray(c)) flatten(c, out);
    else if (typeof c === 'number') out.push(String(c));
    else out.push(c);
  }
}

// An element the caller keeps (an editor): patch() places it, never rebuilds it.
export function keep(el, key) {
  return { el, key: key != null ? String(key) : null };
}

// Makes parent's children match vnodes (an array, or one vnode).
export function patch(parent, vnodes) {
  const list = [];
  flatten(Array.isArray(vnodes) ? vnodes : [vnodes], list);
  patchChildren(parent, list, parent.namespaceURI === SVG_NS);
}

function keyOf(node) {
  return node.__vkey != null ? node.__vkey : null;
}

// Whether node can be patched into v. Unkeyed siblings are matched by
// position, so the class takes part too: a banner appearing before a panel
// must not be patched out of the panel (which would rebuild the panel and
// everything in it, editors included).
function sameKind(node, v) {
  if (typeof v === 'string') return node.nodeType === 3;
  if (v.el) return node === v.el;
  return node.nodeType === 1 && node.__vtag === v.tag && keyOf(node) === v.key &&
    (v.key != null || node.__vclass === (v.attrs.class || ''));
}

function patchChildren(parent, list, svg) {
  const keyed = new Map();
  for (let c = parent.firstChild; c; c = c.nextSibling) {
    if (keyOf(c) != null) keyed.set(keyOf(c), c);
  }
  let cursor = parent.firstChild;
  for (const v of list) {
    let node = null;
    if (typeof v !== 'string' && v.key != null) {
      const k = keyed.get(v.key);
      if (k && sameKind(k, v)) {
        node = k;
        keyed.delete(v.key);
      }
    } else if (typeof v !== 'string' && v.el) {
      node = v.el;
    } else if (cursor && keyOf(cursor) == null && sameKind(cursor, v)) {
      node = cursor;
    }
    if (node) {
      update(node, v, svg);
    } else {
      node = create(v, svg);
    }
    if (node !== cursor) {
      parent.insertBefore(node, cursor);
    } else {
      cursor = cursor.nextSibling;
    }
  }
  // what is left after the cursor was not asked for
  while (cursor) {
    const next = cursor.nextSibling;
    parent.removeChild(cursor);
    cursor = next;
  }
}

function create(v, svg) {
  if (typeof v === 'string') return document.createTextNode(v);
  if (v.el) {
    if (v.key != null) v.el.__vkey = v.key;
    return v.el;
  }
  const inSvg = svg || v.tag === 'svg';
  const el = inSvg ? document.createElementNS(SVG_NS, v.tag) : document.createElement(v.tag);
  el.__vtag = v.tag;
  el.__vkey = v.key;
  el.__vclass = v.attrs.class || '';
  el.__vattrs = {};
  // children first: a <select>'s value can only pick one of its options
  patchChildren(el, v.children, inSvg && v.tag !== 'foreignObject');
  setAttrs(el, v.attrs, inSvg);
  return el;
}

function update(node, v, svg) {
  if (typeof v === 'string') {
    if (node.nodeValue !== v) node.nodeValue = v;
    return;
  }
  if (v.el) return;
  const inSvg = svg || v.tag === 'svg';
  node.__vclass = v.attrs.class || '';
  patchChildren(node, v.children, inSvg && v.tag !== 'foreignObject');
  setAttrs(node, v.attrs, inSvg);
}

function setAttrs(el, attrs, svg) {
  const old = el.__vattrs;
  for (const name of Object.keys(old)) {
    if (!(name in attrs)) {
      if (name.startsWith('on')) el[name.toLowerCase()] = null;
      else el.removeAttribute(name === 'className' ? 'class' : name);
      delete old[name];
    }
  }
  for (const [name, val] of Object.entries(attrs)) {
    if (name === 'key') continue;
    if (name.startsWith('on')) {
      // handlers are closures made anew on each render: always take the latest
      el[name.toLowerCase()] = val;
      old[name] = true;
      continue;
    }
    if (name === 'value' || name === 'checked') {
      // a field the user is typing in keeps what they typed
      if (el[name] !== val && document.activeElement !== el) el[name] = val;
      old[name] = val;
      continue;
    }
    if (old[name] === val) continue;
    old[name] = val;
    const attr = name === 'className' ? 'class' : name;
    if (val == null || val === false) el.removeAttribute(attr);
    else el.setAttribute(attr, val === true ? '' : String(val));
  }
}
