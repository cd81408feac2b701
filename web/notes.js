// Teachers' notes (annotations): on a connection, the notes on it and on its packets (GET
// /api/v1/flows/{id}/annotations), listed beside the ladder and marked on the arrow of their
// packet; on a capture, the notes on the capture, its connections and their packets. A small
// form adds one (POST, a JSON body), each note has a delete button (DELETE
// /api/v1/annotations/{id}). Writes carry the page's API key (api.js); a 401 asks for it.

import { get, postJson, del, setApiKey, ApiError } from './api.js';
import { h, formatTs } from './dom.js';
import { t } from './i18n.js';
import { el } from './ladder.js';

const AUTHOR_KEY = 'tcplens.author';

// Notes without a packet first, then by packet, each group oldest first (the API's order).
export function sortNotes(list) {
    const key = (a) => (a.packet == null ? -1 : a.packet);
    return list.map((a, i) => [a, i]).sort(([a, i], [b, j]) => key(a) - key(b) || i - j).map(([a]) => a);
}

// Notes by packet index: Map(index -> [note...]).
export function notesByPacket(list) {
    const m = new Map();
    for (const a of list || []) {
        if (a.packet != null) {
            if (!m.has(a.packet)) {
                m.set(a.packet, []);
            }
            m.get(a.packet).push(a);
        }
    }
    return m;
}

// Marks, in the ladder drawn in container, the row of each packet that has notes: a pencil and
// their number at the right end of the arrow's row, the texts as its tooltip.
// On a long connection's ladder (vladder.js) only the rows on screen exist: it calls this again
// for every set of rows it draws.
export function markLadder(container, list) {
    const svg = container && container.querySelector('svg:not(.vl-head)');
    if (!svg) {
        return;
    }
    for (const old of svg.querySelectorAll('g.note-mark')) {
        old.remove();
    }
    const vb = (svg.getAttribute('viewBox') || '').split(/\s+/).map(Number);
    const W = vb[2] || 720;
    for (const [i, notes] of notesByPacket(list)) {
        const g = svg.querySelector(`g.arrow[data-index="${i}"]`);
        const shaft = g && g.querySelector('line.shaft');
        if (!shaft) {
            continue;
        }
        const y = (Number(shaft.getAttribute('y1')) + Number(shaft.getAttribute('y2'))) / 2;
        const mark = el('g', { class: 'note-mark', 'data-notes': notes.length });
        mark.append(el('title', {}, notes.map((a) => a.text).join('\n')));
        mark.append(el('rect', { x: W - 58, y: y - 10, width: 40, height: 20, rx: 10, class: 'note-pill' }));
        mark.append(el('text', { x: W - 38, y: y + 4.5, class: 'note-pill-t' }, `✎ ${notes.length}`));
        g.append(mark);
    }
}

// Draws the notes of a flow ({ flow, selected(), onSelect(i), onChange(list) }) or of a capture
// ({ capture }) into box. Returns { setSelected(i), notes() }.
export async function renderNotes(ctx, token, box, opts) {
    const onFlow = opts.flow != null;
    const listPath = onFlow ? `/flows/${opts.flow}/annotations` : `/captures/${opts.capture}/annotations`;
    let notes = [];

    const list = h('ul', { id: 'notes-list', class: 'ann-list', 'aria-live': 'polite' });
    const empty = h('p', { id: 'notes-empty', class: 'muted small' }, t('notes_empty'));
    const text = h('textarea', { id: 'note-text', name: 'text', rows: 3, required: true, maxlength: 4000 });
    const author = h('input', { id: 'note-author', name: 'author', autocomplete: 'name', maxlength: 200 });
    try {
        author.value = localStorage.getItem(AUTHOR_KEY) || '';
    } catch {
        // storage off: the field starts empty
    }
    const onPacket = onFlow ? h('input', { type: 'checkbox', id: 'note-on-packet', name: 'on_packet', checked: true }) : null;
    const onPacketText = h('span', { id: 'note-on-packet-t' });
    const key = h('input', { type: 'password', id: 'note-key', autocomplete: 'off' });
    const keyField = h('div', { class: 'field', hidden: true },
        h('label', { for: 'note-key' }, t('api_key')), key,
        h('p', { class: 'muted small' }, t('notes_key_hint')));
    const form = h('form', { id: 'note-form', class: 'note-form' },
        h('div', { class: 'field' }, h('label', { for: 'note-text' }, t('note_text')), text),
        h('div', { class: 'field' }, h('label', { for: 'note-author' }, t('note_author')), author),
        onFlow ? h('div', { class: 'check' }, onPacket, ' ', h('label', { for: 'note-on-packet' }, onPacketText)) : null,
        keyField,
        h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'note-add', class: 'primary' }, t('note_add'))));

    box.replaceChildren(
        h('h2', { id: 'notes-h' }, t('notes_title')),
        empty, list,
        h('details', { class: 'note-new', open: true }, h('summary', {}, t('note_new')), form));

    function setSelected(i) {
        if (onPacketText) {
            onPacketText.textContent = t('note_on_packet', i + 1);
        }
    }

    function where(a) {
        if (a.flow == null) {
            return h('span', { class: 'ann-where' }, t('note_on_capture'));
        }
        if (!onFlow) {
            const q = a.packet == null ? `?flow=${a.flow}` : `?flow=${a.flow}&p=${a.packet}`;
            return h('a', { class: 'ann-where', href: q }, a.packet == null
                ? t('note_flow', a.flow) : t('note_flow_packet', a.flow, a.packet + 1));
        }
        if (a.packet == null) {
            return h('span', { class: 'ann-where' }, t('note_on_flow'));
        }
        const b = h('button', { type: 'button', class: 'ann-where link' }, t('note_packet', a.packet + 1));
        b.addEventListener('click', () => opts.onSelect && opts.onSelect(a.packet));
        return b;
    }

    function draw() {
        list.replaceChildren(...sortNotes(notes).map((a) => {
            const rm = h('button', { type: 'button', class: 'ann-del', 'aria-label': t('note_delete_label', a.id) },
                t('note_delete'));
            rm.addEventListener('click', async () => {
                rm.disabled = true;
                ctx.clearError();
                try {
                    await withKey(() => del(`/annotations/${a.id}`));
                    notes = notes.filter((x) => x.id !== a.id);
                    changed();
                } catch (err) {
                    rm.disabled = false;
                    ctx.showError(err);
                }
            });
            return h('li', { class: 'ann', 'data-annotation': a.id, 'data-packet': a.packet == null ? '' : a.packet },
                h('div', { class: 'ann-head' }, where(a), rm),
                h('p', { class: 'ann-text' }, a.text),
                h('p', { class: 'ann-meta muted small' }, [a.author, formatTs(a.created_at)].filter(Boolean).join(' · ')));
        }));
        empty.hidden = notes.length > 0;
        list.hidden = notes.length === 0;
    }

    function changed() {
        draw();
        if (opts.onChange) {
            opts.onChange(notes);
        }
    }

    // A write; on a 401 the key field opens, and the write is tried again once a key is given.
    async function withKey(fn) {
        try {
            return await fn();
        } catch (err) {
            if (err instanceof ApiError && err.status === 401) {
                keyField.hidden = false;
                if (key.value.trim()) {
                    setApiKey(key.value.trim());
                    return fn();
                }
                key.focus();
            }
            throw err;
        }
    }

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const body = { text: text.value.trim() };
        if (!body.text) {
            text.focus();
            return;
        }
        if (author.value.trim()) {
            body.author = author.value.trim();
        }
        if (onFlow && onPacket.checked && opts.selected) {
            body.packet = opts.selected();
        }
        try {
            localStorage.setItem(AUTHOR_KEY, author.value.trim());
        } catch {
            // not kept: the field is still filled on this page
        }
        const btn = form.querySelector('#note-add');
        btn.disabled = true;
        ctx.clearError();
        try {
            const a = await withKey(() => postJson(onFlow ? `/flows/${opts.flow}/annotations`
                : `/captures/${opts.capture}/annotations`, body));
            notes = [...notes, a];
            text.value = '';
            keyField.hidden = true;
            changed();
        } catch (err) {
            ctx.showError(err);
        } finally {
            btn.disabled = false;
        }
    });

    if (opts.selected) {
        setSelected(opts.selected());
    }
    try {
        const doc = await get(listPath);
        notes = doc.annotations || [];
    } catch (err) {
        if (ctx.current(token)) {
            ctx.showError(err);
        }
    }
    if (ctx.current(token)) {
        changed();
    }
    return { setSelected, notes: () => notes };
}
