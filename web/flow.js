// One connection: the ladder, and for the selected packet its explanation, each side's state
// (with the transition on the RFC 9293 diagram) and every header field; the time-sequence graph;
// the worksheet it prints as. Step through with the buttons or the keyboard; the URL keeps the
// packet (p), the ladder's scale, the projector view (view=projector), the quiz (mode=quiz) and
// the worksheet's blanks (blank=...). A long connection's ladder is virtual: only the rows on
// screen are drawn, and packets are fetched page by page as they are needed.

import { get, getText, apiUrl } from './api.js';
import { h, formatTs, endpoint } from './dom.js';
import { t, lang, label, connStateMeaning } from './i18n.js';
import { renderLadder, shownLabel, formatDuration } from './ladder.js';
import { renderVirtualLadder } from './vladder.js';
import { renderHeader } from './header.js';
import { renderStateDiagram } from './states.js';
import { Timeline, FIRST_PAGE } from './store.js';
import { renderTsg, renderServerTsg } from './tsg.js';
import { renderQuiz, parseAsk } from './quiz.js';
import { renderWorksheet, parseBlanks, BLANKABLE, MAX_ROWS } from './worksheet.js';
import { renderNotes, markLadder } from './notes.js';
import { vocabLabel, vocabMeaning } from './vocab.js';

export async function renderFlow(ctx, token, params) {
    const id = params.get('flow');
    const scale = params.get('scale') === 'time' ? 'time' : 'compressed';
    let projector = params.get('view') === 'projector';
    const quizMode = params.get('mode') === 'quiz';
    const ask = parseAsk(params.get('ask'));
    let blanks = parseBlanks(params.get('blank'));
    ctx.view.replaceChildren(h('p', { class: 'muted' }, t('loading')));

    const flow = await get(`/flows/${encodeURIComponent(id)}`, { limit: FIRST_PAGE });
    if (!ctx.current(token)) {
        return;
    }
    const cap = await get(`/captures/${flow.capture}`, { limit: 1 }).catch(() => null);
    if (!ctx.current(token)) {
        return;
    }
    document.title = `${endpoint(flow.client)} → ${endpoint(flow.server)} · tcplens`;

    let ladder = null;
    let tsg = null;
    const store = new Timeline(flow, {
        onLoad: () => {
            if (!ctx.current(token)) {
                return;
            }
            if (ladder && ladder.refresh) {
                ladder.refresh();
            }
            scheduleTsg();
        },
    });
    const total = store.total;
    // Short connections are drawn whole (phases, pauses, true to scale); long ones row by row.
    const virtual = total > FIRST_PAGE;
    const packets = virtual ? null : store.prefix();
    const pAt = (i) => store.at(i);

    let sel = clamp(parseInt(params.get('p') || '0', 10), total);
    // In the quiz, packets after `revealed` are hidden: the next one is the question.
    let revealed = quizMode ? sel : null;

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
    const tsgBox = h('div', { id: 'tsg' });
    const quizBox = h('section', { id: 'quiz', class: 'card quiz-card', 'aria-labelledby': 'quiz-q' });
    const wsBox = h('section', { id: 'worksheet', class: 'worksheet', 'aria-label': t('ws_title') });
    // The teacher's notes: listed beside the ladder, marked on their packets' rows, printed.
    const notesBox = h('section', { id: 'notes', class: 'card notes-card', 'aria-labelledby': 'notes-h' });
    let notes = [];
    let notesCtl = null;

    const scaleBtns = ['compressed', 'time'].map((s) => h('button', {
        type: 'button', 'data-scale': s, 'aria-pressed': String(s === scale),
        title: s === 'time' ? t('scale_hint_time') : t('scale_hint_compressed'),
        disabled: virtual && s === 'time' ? true : null,
    }, s === 'time' ? t('scale_time') : t('scale_compressed')));
    let curScale = virtual ? 'compressed' : scale;
    const projBtn = h('button', { type: 'button', id: 'projector', 'aria-pressed': String(projector),
        title: t('projector_hint') }, t('projector'));

    function urlParams() {
        const q = { flow: id, p: quizMode ? revealed : sel };
        if (curScale !== 'compressed') {
            q.scale = curScale;
        }
        if (projector) {
            q.view = 'projector';
        }
        if (quizMode) {
            q.capture = flow.capture;
            q.mode = 'quiz';
            if (ask.length !== 6) {
                q.ask = ask.join(',');
            }
        }
        if (blanks.length) {
            q.blank = blanks.join(',');
        }
        return q;
    }

    // Small screens get the compact drawing, redrawn when the width crosses the line.
    const narrow = window.matchMedia('(max-width: 640px)');
    function drawLadder() {
        if (ladder && ladder.destroy) {
            ladder.destroy();
        }
        if (virtual) {
            ladder = renderVirtualLadder(ladderBox, flow, store, { onSelect: (i) => select(i, true),
                onRows: (box) => markLadder(box, notes) });
        } else {
            ladder = renderLadder(ladderBox, flow, packets, {
                scale: curScale, compact: narrow.matches, onSelect: (i) => select(i, true),
            });
        }
        if (revealed != null) {
            ladder.setLimit(revealed);
        }
        if (!virtual) {
            markLadder(ladderBox, notes);
        }
        ladder.select(sel, { scroll: true });
    }

    function showPacket(p) {
        const ladderHasFocus = ladderBox.contains(document.activeElement);
        ladder.select(sel, { focus: ladderHasFocus });
        pktTitle.textContent = `${t('packet_title', sel + 1, total)} · ${eventLabelFor(p)}`;
        explanation.textContent = p.explanation || '';
        tcpdump.textContent = p.summary || '';
        extras.replaceChildren(...packetNotes(p));
        showHeader(p);
        renderStateDiagram(statesBox, transition(store.packets, sel, flow), lang());
        if (tsg) {
            tsg.select(sel);
        }
    }

    // The timeline comes without each packet's field-by-field breakdown (a page of a long
    // connection stays small): the selected packet's is fetched on its own, once.
    function showHeader(p) {
        if (p.fields) {
            renderHeader(headerBox, p, lang());
            return;
        }
        headerBox.replaceChildren();
        const done = (fields) => {
            p.fields = fields;
            if (pAt(sel) === p) {
                renderHeader(headerBox, p, lang());
            }
        };
        get(`/flows/${encodeURIComponent(flow.id)}/packets/${p.index}`)
            .then((one) => done(one.fields || []), () => done([]));
    }

    function select(i, focusArrow = false) {
        if (revealed != null && i > revealed) {
            return; // the quiz's future stays hidden
        }
        sel = clamp(i, total);
        stepPos.textContent = `${sel + 1} / ${total}`;
        if (notesCtl) {
            notesCtl.setSelected(sel);
        }
        prevBtn.disabled = sel === 0;
        nextBtn.disabled = sel >= total - 1 || (revealed != null && sel >= revealed);
        ctx.replaceParams(urlParams());
        const p = pAt(sel);
        if (p) {
            if (focusArrow) {
                ladder.select(sel, { focus: true });
            }
            showPacket(p);
            return;
        }
        // Not loaded yet (End on a long connection, say): the ladder moves now, the details
        // when the packet arrives.
        ladder.select(sel, { scroll: true });
        pktTitle.textContent = `${t('packet_title', sel + 1, total)} · ${t('loading')}`;
        const want = sel;
        store.load(want).then((q) => {
            if (q && ctx.current(token) && sel === want) {
                showPacket(q);
            }
        }).catch((err) => ctx.showError(err));
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
        if (sel >= total - 1) {
            select(0);
        }
        playBtn.textContent = t('pause');
        playBtn.setAttribute('aria-pressed', 'true');
        timer = setInterval(() => {
            if (sel >= total - 1) {
                stop();
                return;
            }
            select(sel + 1);
        }, 1500);
    }
    prevBtn.addEventListener('click', () => {
        stop();
        select(sel - 1);
    });
    nextBtn.addEventListener('click', () => {
        stop();
        select(sel + 1);
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
    function setProjector(on) {
        projector = on;
        document.body.classList.toggle('projector', on);
        projBtn.setAttribute('aria-pressed', String(on));
        ctx.replaceParams(urlParams());
        ladder.select(sel, { scroll: true });
    }
    projBtn.addEventListener('click', () => setProjector(!projector));

    ctx.setKeyHandler((key) => {
        if (key === 'p' && revealed == null) {
            play();
            return true;
        }
        if (['ArrowRight', 'ArrowDown', 'j', 'ArrowLeft', 'ArrowUp', 'k', 'Home', 'End', 'PageDown',
            'PageUp'].includes(key)) {
            stop(); // a step by hand takes over from play
        }
        const page = virtual ? 20 : 10;
        const last = revealed != null ? revealed : total - 1;
        switch (key) {
            case 'ArrowRight':
            case 'ArrowDown':
            case 'j':
                select(Math.min(sel + 1, last));
                return true;
            case 'ArrowLeft':
            case 'ArrowUp':
            case 'k':
                select(sel - 1);
                return true;
            case 'PageDown':
                select(Math.min(sel + page, last));
                return true;
            case 'PageUp':
                select(sel - page);
                return true;
            case 'Home':
                select(0);
                return true;
            case 'End':
                select(last);
                return true;
            default:
                return false;
        }
    });

    // The time-sequence graph: drawn from what is loaded (all of a short connection).
    const tsgDirBtns = ['c2s', 's2c'].map((d) => h('button', { type: 'button', 'data-tsg-dir': d,
        'aria-pressed': 'false' }, d === 'c2s' ? t('tsg_c2s') : t('tsg_s2c')));
    const tsgNote = h('p', { class: 'muted small', id: 'tsg-note' });
    let tsgDir = (flow.bytes && flow.bytes.s2c > flow.bytes.c2s) ? 's2c' : 'c2s';
    // The server's picture of the whole connection (every packet, thinned when long).
    const tsgSvgUrl = () => apiUrl(`/flows/${flow.id}/tsg.svg`, { dir: tsgDir });
    const tsgLink = h('a', { id: 'tsg-svg', href: tsgSvgUrl() }, 'tsg.svg');
    let tsgRaf = 0;
    function tsgPackets() {
        return virtual ? store.prefix() : packets;
    }
    function scheduleTsg() {
        if (!tsg || tsgRaf) {
            return;
        }
        tsgRaf = requestAnimationFrame(() => {
            tsgRaf = 0;
            const list = tsgPackets();
            tsg.update(list);
            tsg.select(sel);
            tsgNote.textContent = !tsg.server && list.length < total ? t('more_packets', list.length, total) : '';
        });
    }
    function drawTsg() {
        for (const b of tsgDirBtns) {
            b.setAttribute('aria-pressed', String(b.dataset.tsgDir === tsgDir));
        }
        const list = tsgPackets();
        tsg = virtual // a long connection: the server's picture of all of it
            ? renderServerTsg(tsgBox, { source: () => getText(`/flows/${flow.id}/tsg.svg`, { dir: tsgDir }),
                onSelect: (i) => select(i, false) })
            : renderTsg(tsgBox, { packets: list, dir: tsgDir, onSelect: (i) => select(i, false) });
        tsg.select(sel);
        tsgNote.textContent = !tsg.server && list.length < total ? t('more_packets', list.length, total) : '';
    }
    for (const b of tsgDirBtns) {
        b.addEventListener('click', () => {
            tsgDir = b.dataset.tsgDir;
            for (const o of tsgDirBtns) {
                o.setAttribute('aria-pressed', String(o === b));
            }
            tsg.setDir(tsgDir, tsgPackets());
            tsgLink.href = tsgSvgUrl();
            tsg.select(sel);
        });
    }
    const zoomBtns = [['tsg-zoom-in', '+', () => tsg.zoom(1.5)], ['tsg-zoom-out', '−', () => tsg.zoom(1 / 1.5)],
        ['tsg-reset', t('tsg_reset'), () => tsg.reset()]].map(([bid, txt, fn]) => {
        const b = h('button', { type: 'button', id: bid, 'aria-label': bid === 'tsg-reset' ? null : t(bid.replace(/-/g, '_')) }, txt);
        b.addEventListener('click', fn);
        return b;
    });

    // The worksheet's blanks: chosen here, kept in the URL, printed by the print stylesheet.
    const capName = cap ? cap.capture.name : `#${flow.capture}`;
    function drawWorksheet() {
        renderWorksheet(wsBox, flow, virtual ? store.prefix().slice(0, MAX_ROWS) : packets, blanks, { capName, notes });
    }
    const blankBoxes = BLANKABLE.map((b) => {
        const c = h('input', { type: 'checkbox', name: 'blank', value: b, checked: blanks.includes(b) });
        c.addEventListener('change', () => {
            blanks = BLANKABLE.filter((x) => (x === b ? c.checked : blanks.includes(x)));
            drawWorksheet();
            ctx.replaceParams(urlParams());
        });
        return h('label', { class: 'blank-opt' }, c, ` ${t(`ws_f_${b}`)}`);
    });
    const printBtn = h('button', { type: 'button', id: 'print-worksheet' }, t('ws_print'));
    printBtn.addEventListener('click', () => window.print());
    const wsPanel = h('details', { id: 'worksheet-panel', class: 'card ws-panel', open: blanks.length ? true : null },
        h('summary', {}, t('ws_panel')),
        h('p', { class: 'muted small' }, t('ws_hint')),
        h('fieldset', { class: 'blank-set' }, h('legend', {}, t('ws_blanks')), blankBoxes),
        printBtn);

    const lessonParams = () => new URLSearchParams({ flow: id, capture: String(flow.capture), p: String(sel),
        mode: 'quiz', ...(lang() !== 'en' ? { lang: lang() } : {}) });
    const quizLink = h('a', { id: 'quiz-start', href: `?${lessonParams()}`, class: 'button-link' }, t('quiz_start'));

    ctx.view.replaceChildren(...[
        h('nav', { class: 'crumbs', 'aria-label': 'breadcrumb' },
            h('a', { href: '/', 'data-nav': true }, t('nav_captures')), ' / ',
            h('a', { href: `?capture=${flow.capture}` }, capName), ' / ',
            h('span', {}, `${t('flow_title')} #${flow.id}`)),
        flowHead(flow, { tags: !quizMode }),
        h('div', { class: 'flow-tools' }, projBtn, quizMode ? null : quizLink,
            h('form', { id: 'compare-form', class: 'compare-form' },
                h('label', {}, `${t('compare_with')} `,
                    h('input', { name: 'with', inputmode: 'numeric', size: 6, placeholder: t('compare_ph'),
                        'aria-label': t('compare_with') })),
                h('button', { type: 'submit' }, t('compare_go')))),
        quizMode ? quizBox : h('section', { class: 'card summary-card', 'aria-labelledby': 'summary-h' },
            h('h2', { id: 'summary-h' }, t('summary_title')),
            h('div', { class: 'summary-body' },
                h('p', { id: 'summary' }, flow.summary || ''),
                handshakeFacts(flow))),
        h('div', { class: 'flow-grid' },
            h('section', { class: 'card ladder-card', 'aria-labelledby': 'ladder-h' },
                h('div', { class: 'card-head' },
                    h('h2', { id: 'ladder-h' }, t('ladder_title')),
                    h('div', { class: 'seg', role: 'group', 'aria-label': t('ladder_title') }, scaleBtns)),
                tunnelPath(flow),
                ladderBox,
                virtual ? h('p', { class: 'muted small', id: 'ladder-note' }, t('virtual_note', total)) : null,
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
                quizMode ? null : notesBox,
                h('section', { class: 'card states-card', 'aria-labelledby': 'states-h' },
                    h('h2', { id: 'states-h' }, t('states_title')), statesBox),
                h('section', { class: 'card header-card', 'aria-labelledby': 'hdr-h' },
                    h('h2', { id: 'hdr-h' }, t('header_title')), headerBox))),
        quizMode ? null : h('section', { id: 'tsg-card', class: 'card tsg-card', 'aria-labelledby': 'tsg-h' },
            h('div', { class: 'card-head' },
                h('h2', { id: 'tsg-h' }, t('tsg_title')),
                h('div', { class: 'seg', role: 'group', 'aria-label': t('tsg_dir') }, tsgDirBtns),
                h('div', { class: 'tsg-zoom', role: 'group', 'aria-label': t('tsg_zoom') }, zoomBtns)),
            tsgBox, tsgNote, h('p', { class: 'muted small' }, tsgLink),
            h('p', { class: 'muted small' }, t('tsg_keys')),
            tsgLegend()),
        quizMode ? null : wsPanel,
        wsBox].filter(Boolean));
    if (quizMode) {
        ladderBox.classList.add('quiz'); // no phase bands or pauses to give the answers away
    }

    const compareForm = ctx.view.querySelector('#compare-form');
    compareForm.addEventListener('submit', (e) => {
        e.preventDefault();
        const other = compareForm.elements.with.value.trim();
        if (/^\d+$/.test(other)) {
            ctx.navigate(new URLSearchParams({ compare: `${flow.id},${other}` }));
        }
    });

    document.body.classList.toggle('projector', projector);
    drawLadder();
    narrow.addEventListener('change', drawLadder);
    ctx.onLeave(() => {
        narrow.removeEventListener('change', drawLadder);
        document.body.classList.remove('projector');
        if (ladder && ladder.destroy) {
            ladder.destroy();
        }
        stop();
    });
    if (!quizMode) {
        drawTsg();
    }
    if (total <= MAX_ROWS || !virtual) {
        drawWorksheet();
    } else {
        // A long connection's worksheet is its first rows, made when it is printed.
        const once = () => drawWorksheet();
        window.addEventListener('beforeprint', once);
        ctx.onLeave(() => window.removeEventListener('beforeprint', once));
    }
    if (!quizMode) {
        // Not in the quiz: a note on a later packet would give its answer away.
        notesCtl = await renderNotes(ctx, token, notesBox, {
            flow: flow.id,
            selected: () => sel,
            onSelect: (i) => select(i, true),
            onChange: (list) => {
                notes = list;
                if (virtual) {
                    ladder.refresh();
                } else {
                    markLadder(ladderBox, notes);
                }
                if (total <= MAX_ROWS || !virtual) {
                    drawWorksheet();
                }
            },
        });
        if (!ctx.current(token)) {
            return;
        }
    }
    if (quizMode) {
        playBtn.disabled = true;
        renderQuiz(quizBox, {
            store, revealed, ask,
            onReveal: (i) => {
                revealed = i;
                ladder.setLimit(revealed);
                select(i);
            },
            onUrl: () => ctx.replaceParams(urlParams()),
        });
    }
    if (total) {
        select(sel);
    } else {
        stepPos.textContent = '0 / 0';
        prevBtn.disabled = true;
        nextBtn.disabled = true;
        playBtn.disabled = true;
    }
}

function tsgLegend() {
    const item = (cls, sym, txt) => h('li', {}, h('span', { class: `lg ${cls}`, 'aria-hidden': 'true' }, sym), ` ${txt}`);
    return h('ul', { class: 'tsg-legend', id: 'tsg-legend' },
        item('seg', 'I', t('tsg_lg_seg')),
        item('ack', '—', t('tsg_lg_ack')),
        item('win', '- -', t('tsg_lg_win')),
        item('sack', '▮', t('tsg_lg_sack')),
        item('retrans', 'R', t('tsg_lg_retrans')),
        item('ooo', 'O', t('tsg_lg_ooo')),
        item('lost', 'L', t('tsg_lg_lost')),
        item('dup', 'D', shownLabel('duplicate-ack')));
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
    const after = (packets[i] && packets[i].states) || {};
    let before;
    if (i > 0 && packets[i - 1]) {
        before = packets[i - 1].states || {};
    } else if (i > 0) {
        before = { client: null, server: null };
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

export function flowHead(f, { tags = true } = {}) {
    const c = f.completeness || {};
    return h('div', { class: 'flow-head' },
        h('h1', {}, h('span', { class: 'ep c' }, endpoint(f.client)), h('span', { class: 'arr', 'aria-hidden': 'true' }, ' → '),
            h('span', { class: 'sr' }, ' to '), h('span', { class: 'ep s' }, endpoint(f.server))),
        !tags ? null : h('ul', { class: 'tags' },
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
            : null,
        firstBytes(f));
}

// The path the connection's packets took through the network, outermost first (VLAN tags,
// MPLS labels, VXLAN, GRE ...), above its ladder: each layer's name from the vocabulary, its
// identifier and the tunnel's outer endpoints. Nothing for a connection not tunnelled.
const TUNNEL_IDS = ['vlan', 'label', 'vni', 'key', 'teid', 'session_id'];
function tunnelPath(f) {
    const tuns = f.tunnels || [];
    if (!tuns.length) {
        return null;
    }
    const items = tuns.map((tn) => {
        const id = TUNNEL_IDS.find((k) => tn[k] !== undefined && tn[k] !== null);
        let text = vocabLabel('layers', tn.kind, lang());
        if (id) {
            text += ` ${tn[id]}`;
        }
        if (tn.outer_src) {
            text += ` (${tn.outer_src} → ${tn.outer_dst})`;
        }
        return h('li', { class: 'flow-path-item', 'data-kind': tn.kind,
            title: vocabMeaning('layers', tn.kind, lang()) }, text);
    });
    items.push(h('li', { class: 'flow-path-item', 'data-kind': 'tcp' }, 'TCP'));
    const list = [];
    items.forEach((it, i) => {
        if (i) {
            list.push(h('li', { class: 'flow-path-sep', 'aria-hidden': 'true' }, '›'));
        }
        list.push(it);
    });
    return h('nav', { class: 'flow-path', 'aria-label': t('tunnel_path') },
        h('span', { class: 'flow-path-title' }, `${t('tunnel_path')}:`), h('ol', {}, list));
}

// The first payload bytes of each direction as escaped text (the server escapes them), and the
// service guessed from them.
function firstBytes(f) {
    const fb = f.first_bytes;
    if (!fb || (!fb.c2s && !fb.s2c)) {
        return null;
    }
    const row = (who, d) => (d
        ? h('div', { class: 'fb-row' }, h('span', { class: 'fb-who' }, t(who)),
            h('code', { class: 'fb-text', title: d.hex }, d.text))
        : null);
    return h('div', { class: 'first-bytes', title: t('first_bytes_hint') },
        h('h3', {}, t('first_bytes') + (f.service ? ` · ${t('col_service')}: ${f.service}` : '')),
        row('client', fb.c2s), row('server', fb.s2c));
}
