// A capture at a glance (?capture=ID&view=overview): its totals and its connections counted by
// class (GET /api/v1/stats, grouped by Zeek's conn_state, the handshake, the teardown, the
// server's port or the service), the slowest handshakes and the connections that retransmitted
// most (GET /api/v1/flows sorted by the API; a connection without a handshake round trip is not
// among the slowest handshakes). The chart is an HTML table: each bar's class, its
// count and its share are written out, the bar's length only repeats them.

import { get } from './api.js';
import { h, formatBytes, endpoint } from './dom.js';
import { t, lang } from './i18n.js';
import { vocabLabel, vocabMeaning } from './vocab.js';
import { formatDuration } from './ladder.js';
import { renderNotes } from './notes.js';
import { retransPackets } from './flows.js';

export const GROUPS = ['conn_state', 'handshake', 'teardown', 'server_port', 'service'];
// The groups the connection list can filter by: a bar of those links to its connections.
const FILTERABLE = new Set(['conn_state', 'handshake', 'teardown']);
const TOP = 10;

export async function renderOverview(ctx, token, params) {
    const id = params.get('capture');
    const groupBy = GROUPS.includes(params.get('group_by')) ? params.get('group_by') : 'conn_state';
    ctx.view.replaceChildren(h('p', { class: 'muted' }, t('loading')));

    const [cap, stats, slowest, retrans] = await Promise.all([
        get(`/captures/${encodeURIComponent(id)}`, { limit: 1 }),
        get('/stats', { capture: id, group_by: groupBy }),
        get('/flows', { capture: id, sort: '-rtt', limit: TOP, min_rtt_us: 1 }),
        get('/flows', { capture: id, sort: '-retrans_bytes', limit: TOP, min_retrans: 1 }),
    ]);
    if (!ctx.current(token)) {
        return;
    }
    const c = cap.capture;
    document.title = `${c.name} · ${t('ov_title')} · tcplens`;

    const group = h('select', { id: 'ov-group', name: 'group_by' },
        GROUPS.map((g) => h('option', { value: g, selected: g === groupBy }, t(`ov_g_${g}`))));
    group.addEventListener('change', () => {
        ctx.navigate({ capture: id, view: 'overview', ...(group.value !== 'conn_state' ? { group_by: group.value } : {}) });
    });
    const notesBox = h('section', { id: 'notes', class: 'card notes-card', 'aria-labelledby': 'notes-h' });

    ctx.view.replaceChildren(
        h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' },
            h('a', { href: '/', 'data-nav': true }, t('nav_captures')), ' / ',
            h('a', { href: `?capture=${c.id}` }, c.name || `#${c.id}`), ' / ',
            h('span', {}, t('ov_title'))),
        h('div', { class: 'capture-head' },
            h('h1', {}, c.name || `#${c.id}`),
            h('p', { class: 'facts' }, t('capture_stats', c), ' · ',
                h('a', { href: `?capture=${c.id}`, id: 'ov-flows-link' }, t('ov_all_flows')))),
        totals(stats.total),
        h('section', { class: 'card ov-chart-card', id: 'ov-chart-card', 'aria-labelledby': 'ov-chart-h' },
            h('div', { class: 'card-head' },
                h('h2', { id: 'ov-chart-h' }, t('ov_chart', t(`ov_g_${groupBy}`))),
                h('div', { class: 'field inline' }, h('label', { for: 'ov-group' }, t('ov_group')), group)),
            chart(id, stats, groupBy)),
        h('div', { class: 'ov-grid' },
            topList('ov-slowest', t('ov_slowest'), t('ov_slowest_hint'), slowest.flows || [],
                (f) => formatDuration(f.handshake && f.handshake.rtt_us ? f.handshake.rtt_us.total : null)),
            topList('ov-retrans', t('ov_retrans'), t('ov_retrans_hint'), retrans.flows || [],
                (f) => t('ov_retrans_value', retransBytes(f), retransPackets(f)))),
        notesBox);
    await renderNotes(ctx, token, notesBox, { capture: c.id });
}

function totals(tot) {
    const item = (key, value) => h('div', { class: 'ov-total', 'data-total': key },
        h('dt', {}, t(`ov_t_${key}`)), h('dd', {}, value));
    return h('section', { class: 'card ov-totals-card', 'aria-labelledby': 'ov-totals-h' },
        h('h2', { id: 'ov-totals-h' }, t('ov_totals')),
        h('dl', { id: 'ov-totals', class: 'ov-totals' },
            item('flows', String(tot.flows)),
            item('packets', String(tot.packets)),
            item('bytes', formatBytes(tot.bytes)),
            item('retrans_packets', String(tot.retrans_packets)),
            item('retrans_bytes', formatBytes(tot.retrans_bytes))));
}

// What a group's key is called, and what it means (the vocabulary's words for the names of
// states; a port or a service is its own name).
function keyWords(groupBy, key) {
    if (key == null) {
        return { name: t('ov_unknown'), meaning: '' };
    }
    if (groupBy === 'conn_state' || groupBy === 'handshake' || groupBy === 'teardown') {
        return { name: vocabLabel(groupBy, key, lang()), meaning: vocabMeaning(groupBy, key, lang()) };
    }
    return { name: String(key), meaning: '' };
}

function chart(id, stats, groupBy) {
    const groups = stats.groups || [];
    if (!groups.length) {
        return h('p', { class: 'empty', id: 'ov-chart-empty' }, t('ov_none'));
    }
    const most = Math.max(1, ...groups.map((g) => g.flows));
    const rows = groups.map((g) => {
        const w = keyWords(groupBy, g.key);
        const share = `${(Math.round(g.share * 10) / 10).toLocaleString(lang())} %`;
        const name = FILTERABLE.has(groupBy) && g.key != null
            ? h('a', { href: `?capture=${id}&${groupBy}=${encodeURIComponent(g.key)}`, title: w.meaning || null }, w.name)
            : h('span', { title: w.meaning || null }, w.name);
        return h('tr', { 'data-key': g.key == null ? '' : String(g.key), 'data-flows': g.flows },
            h('th', { scope: 'row', class: 'ov-key' }, name,
                w.meaning ? h('span', { class: 'ov-meaning' }, w.meaning) : null),
            h('td', { class: 'ov-barcell' },
                h('span', { class: 'ov-bar', style: `width: ${Math.max(1, (g.flows / most) * 100)}%`, 'aria-hidden': 'true' })),
            h('td', { class: 'num ov-count' }, String(g.flows)),
            h('td', { class: 'num ov-share' }, share),
            h('td', { class: 'num ov-packets' }, String(g.packets)),
            h('td', { class: 'num ov-bytes' }, formatBytes(g.bytes)));
    });
    return h('div', { class: 'scroll-x' },
        h('table', { id: 'ov-chart', class: 'grid ov-chart', 'data-group': groupBy },
            h('caption', { class: 'sr' }, t('ov_chart', t(`ov_g_${groupBy}`))),
            h('thead', {}, h('tr', {},
                h('th', { scope: 'col' }, t(`ov_g_${groupBy}`)),
                h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('ov_bar'))),
                h('th', { scope: 'col', class: 'num' }, t('ov_t_flows')),
                h('th', { scope: 'col', class: 'num' }, t('ov_share')),
                h('th', { scope: 'col', class: 'num' }, t('ov_t_packets')),
                h('th', { scope: 'col', class: 'num' }, t('ov_t_bytes')))),
            h('tbody', {}, rows)));
}

function retransBytes(f) {
    const p = f.perf || {};
    return formatBytes(((p.c2s && p.c2s.retransmitted_bytes) || 0) + ((p.s2c && p.s2c.retransmitted_bytes) || 0));
}

function topList(boxId, title, hint, flows, value) {
    return h('section', { class: 'card ov-top', 'aria-labelledby': `${boxId}-h` },
        h('h2', { id: `${boxId}-h` }, title),
        h('p', { class: 'muted small' }, hint),
        flows.length
            ? h('ol', { id: boxId, class: 'ov-list' }, flows.map((f) => h('li', { 'data-flow': f.id },
                h('a', { href: `?flow=${f.id}` }, `${endpoint(f.client)} → ${endpoint(f.server)}`),
                ' ', h('span', { class: 'ov-value' }, value(f)))))
            : h('p', { id: boxId, class: 'empty' }, t('ov_none')));
}
