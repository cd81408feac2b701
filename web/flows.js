// One capture's connections: the capture's facts, filters that are the API's own (kept in the
// URL so a filtered view can be shared), and a paged table that the API sorts (its column
// headings set sort=, kept in the URL too); a link to the capture's overview; the capture's notes.

import { get, apiUrl } from './api.js';
import { h, formatBytes, formatTs, endpoint } from './dom.js';
import { t, label, connStateMeaning, handshakes, teardowns, connStates } from './i18n.js';
import { formatDuration } from './ladder.js';
import { renderNotes } from './notes.js';

const PAGE = 50;
const FILTERS = ['host', 'port', 'conn_state', 'handshake', 'teardown'];
// The keys the API sorts by (sort=KEY ascending, sort=-KEY descending).
export const SORT_KEYS = ['first_ts', 'duration', 'rtt', 'packets', 'bytes', 'retrans'];

// "-rtt" -> { key: 'rtt', desc: true }; anything else (no sort, a typo) -> null.
export function parseSort(v) {
    const m = /^(-?)([a-z_]+)$/.exec(v || '');
    return m && SORT_KEYS.includes(m[2]) ? { key: m[2], desc: m[1] === '-' } : null;
}

// cursor -> the cursor of the page before it, learned while paging forward in this session.
const prevCursor = new Map();

export async function renderFlows(ctx, token, params) {
    const id = params.get('capture');
    const filters = {};
    for (const f of FILTERS) {
        const v = (params.get(f) || '').trim();
        if (v) {
            filters[f] = v;
        }
    }
    const cursor = params.get('cursor') || '';
    const sort = parseSort(params.get('sort'));
    const sortParam = sort ? `${sort.desc ? '-' : ''}${sort.key}` : '';
    if (sortParam) {
        filters.sort = sortParam; // kept with the filters: the cursor belongs to its sort
    }

    const form = filterForm(ctx, id, filters);
    const tableBox = h('div', { class: 'scroll-x' }, h('p', { class: 'muted' }, t('loading')));
    const count = h('p', { id: 'flows-count', class: 'muted' });
    const empty = h('p', { id: 'flows-empty', class: 'empty', hidden: true }, t('flows_empty'));
    const prev = h('button', { type: 'button', id: 'flows-prev', disabled: !cursor }, t('prev_page'));
    const next = h('button', { type: 'button', id: 'flows-next', disabled: true }, t('next_page'));
    const head = h('div', { class: 'capture-head' }, h('p', { class: 'muted' }, t('loading')));
    const notesBox = h('section', { id: 'notes', class: 'card notes-card', 'aria-labelledby': 'notes-h' });

    ctx.view.replaceChildren(
        h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' },
            h('a', { href: '/', 'data-nav': true }, t('nav_captures')), ' / ',
            h('span', { id: 'crumb-capture' }, `#${id}`)),
        head,
        h('section', { class: 'card', 'aria-labelledby': 'flows-h' },
            h('h2', { id: 'flows-h' }, t('flows_title')),
            form, count, empty, tableBox,
            h('div', { class: 'pager' }, prev, next)),
        notesBox);

    const [cap, page] = await Promise.all([
        get(`/captures/${encodeURIComponent(id)}`, { limit: 1 }),
        get('/flows', { capture: id, ...filters, limit: PAGE, cursor }).catch((err) => err),
    ]);
    if (!ctx.current(token)) {
        return;
    }
    const notesDone = renderNotes(ctx, token, notesBox, { capture: cap.capture.id });
    if (page instanceof Error) {
        // A filter the API refuses (a bad port or prefix in a shared link, say): say which,
        // mark the field, and leave the form to fix it.
        ctx.showError(page);
        tableBox.replaceChildren();
        const bad = page.parameter && form.querySelector(`[name="${CSS.escape(page.parameter)}"]`);
        if (bad) {
            bad.setAttribute('aria-invalid', 'true');
            bad.setAttribute('aria-describedby', 'error');
            bad.focus();
        }
        fillHead(head, cap.capture);
        await notesDone;
        return;
    }
    fillHead(head, cap.capture);
    ctx.view.querySelector('#crumb-capture').textContent = cap.capture.name || `#${id}`;
    document.title = `${cap.capture.name} · tcplens`;

    const flows = page.flows || [];
    count.textContent = t('flows_count', flows.length);
    empty.hidden = flows.length > 0;
    tableBox.replaceChildren(flows.length ? flowTable(flows, sort, (key) => {
        // A heading toggles its key ascending / descending; paging starts again.
        const desc = sort && sort.key === key ? !sort.desc : false;
        const q = { capture: id, ...filters, sort: `${desc ? '-' : ''}${key}` };
        ctx.navigate(q);
    }) : '');

    const base = { capture: id, ...filters };
    if (page.next_cursor) {
        next.disabled = false;
        next.addEventListener('click', () => {
            prevCursor.set(page.next_cursor, cursor);
            ctx.navigate({ ...base, cursor: page.next_cursor });
        });
    }
    prev.addEventListener('click', () => {
        const before = prevCursor.get(cursor) || '';
        ctx.navigate(before ? { ...base, cursor: before } : base);
    });
    if (cursor && !prevCursor.has(cursor)) {
        prev.textContent = t('first_page');
    }
    await notesDone;
}

function fillHead(head, c) {
    const bits = [h('h1', {}, c.name || `#${c.id}`),
        h('p', { class: 'facts' }, t('capture_stats', c), ' · ', formatTs(c.first_ts), ' → ',
            formatTs(c.last_ts), ' · ',
            h('a', { href: apiUrl(`/captures/${c.id}/pcap`), download: c.name || 'capture.pcap' },
                t('download_pcap'))),
        h('p', {}, h('a', { href: `?capture=${c.id}&view=overview`, id: 'overview-link', class: 'button-link' },
            t('ov_link')))];
    const notes = [];
    for (const [k, word] of [['malformed', t('malformed')], ['non_tcp', t('non_tcp')]]) {
        const m = c[k] || {};
        const parts = Object.entries(m).map(([why, n]) => `${why} ${n}`);
        if (parts.length) {
            notes.push(`${word}: ${parts.join(', ')}`);
        }
    }
    if (c.truncated) {
        notes.push(t('truncated'));
    }
    for (const w of c.warnings || []) {
        notes.push(typeof w === 'string' ? w : w.message || JSON.stringify(w));
    }
    if (notes.length) {
        bits.push(h('ul', { class: 'notes' }, notes.map((n) => h('li', {}, n))));
    }
    head.replaceChildren(...bits);
}

function select(name, labelText, values, current, words) {
    const s = h('select', { name, id: `f-${name}` },
        h('option', { value: '' }, t('f_any')),
        values.map((v) => h('option', { value: v, selected: v === current }, words ? words(v) : v)));
    return h('div', { class: 'field' }, h('label', { for: `f-${name}` }, labelText), s);
}

function filterForm(ctx, id, filters) {
    const form = h('form', { id: 'flow-filters', class: 'filters', role: 'search' },
        h('div', { class: 'field' }, h('label', { for: 'f-host' }, t('f_host')),
            h('input', { name: 'host', id: 'f-host', value: filters.host || '', placeholder: t('f_host_ph'),
                autocomplete: 'off', spellcheck: 'false' })),
        h('div', { class: 'field narrow' }, h('label', { for: 'f-port' }, t('f_port')),
            h('input', { name: 'port', id: 'f-port', value: filters.port || '', inputmode: 'numeric',
                autocomplete: 'off' })),
        select('conn_state', t('f_state'), connStates(), filters.conn_state,
            (v) => `${v} · ${connStateMeaning(v)}`),
        select('handshake', t('f_handshake'), handshakes(), filters.handshake, label),
        select('teardown', t('f_teardown'), teardowns(), filters.teardown, label),
        h('div', { class: 'actions' },
            h('button', { type: 'submit', id: 'apply-filters', class: 'primary' }, t('apply')),
            h('button', { type: 'button', id: 'clear-filters' }, t('clear'))));
    const keep = filters.sort ? { sort: filters.sort } : {};
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        const q = { capture: id, ...keep };
        for (const [k, v] of new FormData(form)) {
            if (String(v).trim()) {
                q[k] = String(v).trim();
            }
        }
        ctx.navigate(q);
    });
    form.querySelector('#clear-filters').addEventListener('click', () => ctx.navigate({ capture: id, ...keep }));
    return form;
}

// Retransmitted packets of both directions, as the API counts them for sort=retrans and
// min_retrans (SYNs sent again included).
export function retransPackets(f) {
    const p = f.perf;
    return p ? ((p.c2s && p.c2s.retransmitted_packets) || 0) + ((p.s2c && p.s2c.retransmitted_packets) || 0) : null;
}

// The time of day of a timestamp ("10:24:00.265744"), the whole of it as the cell's title.
function timeOfDay(ts) {
    const m = /T([0-9:.]+)Z?$/.exec(ts || '');
    return m ? m[1] : formatTs(ts);
}

function flowTable(flows, sort, onSort) {
    const rows = flows.map((f) => {
        const bytes = (f.bytes.c2s || 0) + (f.bytes.s2c || 0);
        const pkts = (f.packets.c2s || 0) + (f.packets.s2c || 0);
        const rtt = f.handshake && f.handshake.rtt_us ? f.handshake.rtt_us.total : null;
        const retrans = retransPackets(f);
        return h('tr', { 'data-flow': f.id },
            h('td', {}, h('a', { href: `?flow=${f.id}`, class: 'flowlink' }, endpoint(f.client))),
            h('td', {}, endpoint(f.server)),
            h('td', { class: 'service' }, f.service || '—'),
            h('td', {}, h('span', { class: `tag hs-${f.handshake.state}` }, label(f.handshake.state))),
            h('td', {}, h('span', { class: `tag td-${f.teardown.state}` }, label(f.teardown.state))),
            h('td', {}, h('abbr', { title: connStateMeaning(f.conn_state), class: 'state' }, f.conn_state),
                ' ', h('code', { class: 'hist', title: t('history') }, f.history)),
            h('td', { class: 'num ts', title: formatTs(f.first_ts) }, timeOfDay(f.first_ts)),
            h('td', { class: 'num' }, formatDuration(f.duration_us)),
            h('td', { class: 'num' }, formatDuration(rtt)),
            h('td', { class: 'num' }, String(pkts)),
            h('td', { class: 'num', title: `${pkts} packets, ${bytes} bytes` },
                `${formatBytes(f.bytes.c2s)} → / ← ${formatBytes(f.bytes.s2c)}`),
            h('td', { class: 'num' }, retrans == null ? '—' : String(retrans)));
    });
    const plain = (word, cls) => h('th', { scope: 'col', class: cls }, word);
    // A sortable heading: a button that toggles the API's sort; aria-sort says the order shown.
    const sortable = (key, word, long) => {
        const on = sort && sort.key === key;
        const b = h('button', { type: 'button', class: 'sort', 'data-sort': key, title: t('sort_by', long || word) },
            word, h('span', { class: 'sort-ind', 'aria-hidden': 'true' }, on ? (sort.desc ? ' ▼' : ' ▲') : ' ↕'));
        b.addEventListener('click', () => onSort(key));
        return h('th', { scope: 'col', class: 'num', 'data-col': key,
            'aria-sort': on ? (sort.desc ? 'descending' : 'ascending') : null }, b);
    };
    return h('table', { id: 'flows', class: 'grid', 'data-sort': sort ? `${sort.desc ? '-' : ''}${sort.key}` : '' },
        h('thead', {}, h('tr', {},
            plain(t('col_client')), plain(t('col_server')), plain(t('col_service')),
            plain(t('col_handshake')), plain(t('col_teardown')), plain(t('col_state')),
            sortable('first_ts', t('col_start')), sortable('duration', t('col_duration')),
            sortable('rtt', t('col_rtt'), t('rtt_long')), sortable('packets', t('col_packets')),
            sortable('bytes', t('col_bytes')), sortable('retrans', t('col_retrans')))),
        h('tbody', {}, rows));
}
