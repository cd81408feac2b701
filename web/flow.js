// One connection: the ladder, and for the selected packet its explanation, each side's state
// (with the transition on the RFC 9293 diagram) and every header field. Step through with the
// buttons or the keyboard; the URL keeps the packet (p) and the ladder's scale.

import { get, apiUrl } from './api.js';
import { h, formatTs, endpoint } from './dom.js';
import { t, lang, label, connStateMeaning } from './i18n.js';
import { renderLadder, shownLabel, formatDuration } from './ladder.js';
import { renderHeader } from './header.js';
import { renderStateDiagram } from './states.js';

const PAGE = 1000;

export async function renderFlow(ctx, token, params) {
    const id = params.get('flow');
    const scale = params.get('scale') === 'time' ? 'time' : 'compressed';
    ctx.view.replaceChildren(h('p', { class: 'muted' }, t('loading')));

    const first = await get(`/flows/${encodeURIComponent(id)}`, { limit: PAGE });
    if (!ctx.current(token)) {
        return;
    }
    const flow = first;
    const packets = first.timeline || [];
    let page = first.timeline_page || { total: packets.length, next_offset: null };
    const cap = await get(`/captures/${flow.capture}`, { limit: 1 }).catch(() => null);
    if (!ctx.current(token)) {
        return;
    }
    document.title = `${endpoint(flow.client)} → ${endpoint(flow.server)} · tcplens`;

    let sel = clamp(parseInt(params.get('p') || '0', 10), packets.length);
    let ladder = null;

    // The parts that follow the selected packet.
    const stepPos = h('span', { id: 'step-pos', 'aria-live': 'polite' });
    const prevBtn = h('button', { type: 'button', id: 'prev', 'aria-keyshortcuts': 'ArrowLeft' }, t('step_prev'));
    const nextBtn = h('button', { type: 'button', id: 'next', 'aria-keyshortcuts': 'ArrowRight' }, t('step_next'));
    const playBtn = h('button', { type: 'button', id: 'play', 'aria-pressed': 'false', 'aria-keyshortcuts': 'p' }, t('play'));
    let timer = null;
    const pktTitle = h('h2', { id: 'packet-h' });
    const explanation = h('p', { id: 'explanation', class: 'explanation' });
    const tcpdump = h('code', { id: 'tcpdump-line', class: 'tcpdump' });
    const extras = h('ul', { id: 'packet-notes', class: 'notes' });
    const headerBox = h('div', { id: 'header-diagram' });
    const statesBox = h('div', { id: 'state-diagram' });
    const ladderBox = h('div', { id: 'ladder', class: 'ladder-box' });
    const moreBox = h('div', { class: 'more' });

    const scaleBtns = ['compressed', 'time'].map((s) => h('button', {
        type: 'button', 'data-scale': s, 'aria-pressed': String(s === scale),
        title: s === 'time' ? t('scale_hint_time') : t('scale_hint_compressed'),
    }, s === 'time' ? t('scale_time') : t('scale_compressed')));
    let curScale = scale;

    function urlParams() {
        const q = { flow: id, p: sel };
        if (curScale !== 'compressed') {
            q.scale = curScale;
        }
        return q;
    }

    // Small screens get the compact drawing, redrawn when the width crosses the line.
    const narrow = window.matchMedia('(max-width: 640px)');
    function drawLadder() {
        ladder = renderLadder(ladderBox, flow, packets, {
            scale: curScale, compact: narrow.matches, onSelect: (i) => select(i, true),
        });
        ladder.select(sel, { scroll: true });
    }

    function select(i, focusArrow = false) {
        sel = clamp(i, packets.length);
        const p = packets[sel];
        if (!p) {
            return;
        }
        const ladderHasFocus = ladderBox.contains(document.activeElement);
        ladder.select(sel, { focus: focusArrow || ladderHasFocus });
        stepPos.textContent = `${sel + 1} / ${page.total}`;
        prevBtn.disabled = sel === 0;
        nextBtn.disabled = sel >= packets.length - 1 && page.next_offset == null;
        pktTitle.textContent = `${t('packet_title', sel + 1, page.total)} · ${eventLabelFor(p)}`;
        explanation.textContent = p.explanation || '';
        tcpdump.textContent = p.summary || '';
        extras.replaceChildren(...packetNotes(p));
        renderHeader(headerBox, p, lang());
        renderStateDiagram(statesBox, transition(packets, sel, flow), lang());
        ctx.replaceParams(urlParams());
    }

    // Play: the story told one packet every 1.5 s, from the start when at the end.
    function stop() {
        clearInterval(timer);
        timer = null;
        playBtn.textContent = t('play');
        playBtn.setAttribute('aria-pressed', 'false');
    }
    function play() {
        if (timer) {
            stop();
            return;
        }
        if (sel >= packets.length - 1) {
            select(0);
        }
        playBtn.textContent = t('pause');
        playBtn.setAttribute('aria-pressed', 'true');
        timer = setInterval(() => {
            if (sel >= packets.length - 1 && page.next_offset == null) {
                stop();
                return;
            }
            step(1);
        }, 1500);
    }
    prevBtn.addEventListener('click', () => {
        stop();
        select(sel - 1);
    });
    nextBtn.addEventListener('click', () => {
        stop();
        step(1);
    });
    playBtn.addEventListener('click', play);
    for (const b of scaleBtns) {
        b.addEventListener('click', () => {
            curScale = b.dataset.scale;
            for (const o of scaleBtns) {
                o.setAttribute('aria-pressed', String(o === b));
            }
            drawLadder();
            ctx.replaceParams(urlParams());
        });
    }

    ctx.setKeyHandler((key) => {
        if (key === 'p') {
            play();
            return true;
        }
        if (['ArrowRight', 'ArrowDown', 'j', 'ArrowLeft', 'ArrowUp', 'k', 'Home', 'End'].includes(key)) {
            stop(); // a step by hand takes over from play
        }
        switch (key) {
            case 'ArrowRight':
            case 'ArrowDown':
            case 'j':
                step(1);
                return true;
            case 'ArrowLeft':
            case 'ArrowUp':
            case 'k':
                select(sel - 1);
                return true;
            case 'Home':
                select(0);
                return true;
            case 'End':
                select(packets.length - 1);
                return true;
            default:
                return false;
        }
    });

    // The next page of a long timeline, appended to the ladder.
    let loading = null;
    function loadMore() {
        if (page.next_offset == null) {
            return Promise.resolve(false);
        }
        if (!loading) {
            loading = get(`/flows/${encodeURIComponent(id)}`, { offset: page.next_offset, limit: PAGE })
                .then((next) => {
                    if (!ctx.current(token)) {
                        return false;
                    }
                    packets.push(...(next.timeline || []));
                    page = next.timeline_page || { total: packets.length, next_offset: null };
                    drawLadder();
                    select(sel);
                    fillMore();
                    return true;
                })
                .catch((err) => {
                    ctx.showError(err);
                    return false;
                })
                .finally(() => {
                    loading = null;
                });
        }
        return loading;
    }

    // Stepping past the last packet loaded fetches the next page first.
    async function step(d) {
        if (d > 0 && sel >= packets.length - 1 && (await loadMore()) === false) {
            return;
        }
        select(sel + d);
    }

    function fillMore() {
        moreBox.replaceChildren();
        if (page.next_offset == null) {
            return;
        }
        const b = h('button', { type: 'button', id: 'load-more' }, t('load_more'));
        b.addEventListener('click', () => {
            b.disabled = true;
            loadMore();
        });
        moreBox.append(h('p', { class: 'muted' }, t('more_packets', packets.length, page.total)), b);
    }

    const capName = cap ? cap.capture.name : `#${flow.capture}`;
    ctx.view.replaceChildren(
        h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' },
            h('a', { href: '/', 'data-nav': true }, t('nav_captures')), ' / ',
            h('a', { href: `?capture=${flow.capture}` }, capName), ' / ',
            h('span', {}, `${t('flow_title')} #${flow.id}`)),
        flowHead(flow),
        h('section', { class: 'card summary-card', 'aria-labelledby': 'summary-h' },
            h('h2', { id: 'summary-h' }, t('summary_title')),
            h('div', { class: 'summary-body' },
                h('p', { id: 'summary' }, flow.summary || ''),
                handshakeFacts(flow))),
        h('div', { class: 'flow-grid' },
            h('section', { class: 'card ladder-card', 'aria-labelledby': 'ladder-h' },
                h('div', { class: 'card-head' },
                    h('h2', { id: 'ladder-h' }, t('ladder_title')),
                    h('div', { class: 'seg', role: 'group', 'aria-label': t('ladder_title') }, scaleBtns)),
                ladderBox, moreBox,
                h('p', { class: 'muted small' },
                    h('a', { href: apiUrl(`/flows/${flow.id}/ladder.svg`, { scale: curScale }) }, 'ladder.svg'), ' · ',
                    h('a', { href: apiUrl(`/flows/${flow.id}/pcap`), download: `flow-${flow.id}.pcap` }, t('download_pcap')))),
            h('div', { class: 'side' },
                h('section', { class: 'card step-card', 'aria-labelledby': 'packet-h' },
                    h('div', { class: 'stepper' }, prevBtn, stepPos, nextBtn, playBtn),
                    pktTitle,
                    h('h3', { class: 'sr' }, t('explanation')),
                    explanation, extras,
                    h('details', { class: 'tcpdump-box' }, h('summary', {}, t('tcpdump_line')), tcpdump),
                    h('p', { class: 'muted small' }, t('step_keys'))),
                h('section', { class: 'card', 'aria-labelledby': 'states-h' },
                    h('h2', { id: 'states-h' }, t('states_title')), statesBox),
                h('section', { class: 'card', 'aria-labelledby': 'hdr-h' },
                    h('h2', { id: 'hdr-h' }, t('header_title')), headerBox))));

    drawLadder();
    narrow.addEventListener('change', drawLadder);
    ctx.onLeave(() => {
        narrow.removeEventListener('change', drawLadder);
        stop();
    });
    fillMore();
    if (packets.length) {
        select(sel);
    } else {
        stepPos.textContent = '0 / 0';
        prevBtn.disabled = true;
        nextBtn.disabled = true;
        playBtn.disabled = true;
    }
}

function clamp(i, n) {
    if (!Number.isFinite(i) || i < 0) {
        return 0;
    }
    return Math.min(i, Math.max(0, n - 1));
}

function eventLabelFor(p) {
    const dir = p.dir === 'c2s' ? `${t('client')} → ${t('server')}` : `${t('server')} → ${t('client')}`;
    return `${shownLabel(p.event)} (${dir})`;
}

// The states before and after packet i. Before the first packet of a connection seen from its
// SYN, the client is CLOSED and the server LISTENs; a capture that starts mid-stream has no
// "before".
function transition(packets, i, flow) {
    const after = packets[i].states || {};
    let before;
    if (i > 0) {
        before = packets[i - 1].states || {};
    } else if (flow.handshake && flow.handshake.state !== 'not-seen') {
        before = { client: 'CLOSED', server: 'LISTEN' };
    } else {
        before = { client: null, server: null };
    }
    return {
        client: { from: before.client, to: after.client },
        server: { from: before.server, to: after.server },
    };
}

function packetNotes(p) {
    const out = [];
    for (const a of p.analysis || []) {
        out.push(h('li', { class: 'warn' }, `${t('analysis')}: ${a}`));
    }
    for (const a of p.anomalies || []) {
        out.push(h('li', { class: 'warn' }, typeof a === 'string' ? a : JSON.stringify(a)));
    }
    const tcp = p.tcp || {};
    const ip = p.ip || {};
    for (const [what, st, exp] of [['TCP', tcp.checksum_status, tcp.checksum_expected],
        ['IP', ip.checksum_status, ip.checksum_expected]]) {
        if (st && st !== 'correct' && st !== 'offloaded') {
            out.push(h('li', { class: 'warn' }, `${what} checksum ${st}${exp ? ` (expected ${exp})` : ''}`));
        }
    }
    return out;
}

function flowHead(f) {
    const c = f.completeness || {};
    return h('div', { class: 'flow-head' },
        h('h1', {}, h('span', { class: 'ep c' }, endpoint(f.client)), h('span', { class: 'arr', 'aria-hidden': 'true' }, ' → '),
            h('span', { class: 'sr' }, ' to '), h('span', { class: 'ep s' }, endpoint(f.server))),
        h('ul', { class: 'tags' },
            h('li', { class: `tag hs-${f.handshake.state}` }, `${t('handshake')}: ${label(f.handshake.state)}`),
            h('li', { class: `tag td-${f.teardown.state}` }, `${t('teardown')}: ${label(f.teardown.state)}` +
                (f.teardown.initiator ? ` (${t('initiator')}: ${t(f.teardown.initiator) || f.teardown.initiator})` : '')),
            h('li', { class: 'tag', title: connStateMeaning(f.conn_state) }, `conn_state ${f.conn_state}`),
            h('li', { class: 'tag', title: t('history') }, `history ${f.history}`),
            h('li', { class: 'tag', title: t('completeness') }, `completeness ${c.value} ${c.text || ''}`),
            h('li', { class: 'tag plain' }, `${formatDuration(f.duration_us)} · ${formatTs(f.first_ts)}`)));
}

function handshakeFacts(f) {
    const hs = f.handshake || {};
    const rows = [['isn', 'isn'], ['mss', 'mss'], ['wscale', 'wscale'], ['sack', 'sack_permitted'],
        ['timestamps', 'timestamps']];
    const val = (side, key) => {
        const v = hs[side] ? hs[side][key] : null;
        if (v === true) {
            return t('yes');
        }
        if (v === false) {
            return t('no');
        }
        if (key === 'wscale' && v != null) {
            return `${v} (×${2 ** v})`;
        }
        return v == null ? '—' : String(v);
    };
    const rtt = hs.rtt_us || {};
    const fin = f.final_states || {};
    return h('div', { class: 'facts-grid' },
        h('table', { class: 'facts-table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('field'))),
                h('th', { scope: 'col' }, t('client')),
                h('th', { scope: 'col' }, t('server')))),
            h('tbody', {},
                rows.map(([k, key]) => h('tr', {}, h('th', { scope: 'row' }, t(k)),
                    h('td', {}, val('client', key)), h('td', {}, val('server', key)))),
                h('tr', {}, h('th', { scope: 'row' }, t('final_states')),
                    h('td', {}, fin.client || '—'), h('td', {}, fin.server || '—')))),
        rtt.total != null
            ? h('p', { class: 'rtt' }, `${t('rtt')}: SYN → SYN-ACK ${formatDuration(rtt.syn_to_syn_ack)}, ` +
                `SYN-ACK → ACK ${formatDuration(rtt.syn_ack_to_ack)}, ${formatDuration(rtt.total)}`)
            : null);
}
