// The dashboard's entry: routing by query string, the language switch, errors and key handling.
// Views: home (upload, examples, captures), flows (one capture's connections), overview (a
// capture's classes and outliers), flow (one connection), compare (two connections side by side). Each URL is shareable: it holds the view, its filters and the selected packet.

import { setLang, lang, t, initialLang, rememberLang } from './i18n.js';
import { ApiError } from './api.js';
import { loadVocabulary } from './vocab.js';
import { renderHome } from './home.js';
import { renderFlows } from './flows.js';
import { renderOverview } from './overview.js';
import { renderFlow } from './flow.js';
import { renderCompare } from './compare.js';

const view = document.getElementById('view');
const errorBox = document.getElementById('error');
const statusBox = document.getElementById('status');

let renderToken = 0;
let keyHandler = null;
let leaveHandlers = [];

// What a view gets: where to draw, how to move, how to report.
const ctx = {
    view,
    navigate,
    replaceParams,
    showError,
    clearError,
    status(msg) {
        statusBox.textContent = msg || '';
    },
    setKeyHandler(fn) {
        keyHandler = fn;
    },
    // fn runs when the next view is drawn (listeners and timers must not outlive their view).
    onLeave(fn) {
        leaveHandlers.push(fn);
    },
    // True while this render is still the current one (a later navigation makes it stale).
    current(token) {
        return token === renderToken;
    },
};

function showError(err) {
    const msg = err instanceof ApiError ? err.describe() : String(err && err.message ? err.message : err);
    errorBox.textContent = msg;
    errorBox.hidden = false;
}

function clearError() {
    errorBox.textContent = '';
    errorBox.hidden = true;
}

// The URL with lang kept (when not English) so a shared link opens in the same language.
function withLang(params) {
    const q = new URLSearchParams(params);
    q.delete('lang');
    if (lang() !== 'en') {
        q.set('lang', lang());
    }
    const s = q.toString();
    return s ? `/?${s}` : '/';
}

function navigate(params, { replace = false } = {}) {
    const url = withLang(params);
    if (replace) {
        history.replaceState(null, '', url);
    } else {
        history.pushState(null, '', url);
    }
    render();
}

// Changes the URL without drawing the view again (the selected packet, say).
function replaceParams(params) {
    history.replaceState(null, '', withLang(params));
}

function translateChrome() {
    document.getElementById('nav-captures').textContent = t('nav_captures');
    for (const l of ['en', 'zh']) {
        document.getElementById(`lang-${l}`).setAttribute('aria-pressed', String(lang() === l));
    }
    document.querySelector('.skip').textContent = t('skip');
    document.getElementById('foot-text').textContent = t('footer');
}

async function render() {
    const token = ++renderToken;
    keyHandler = null;
    for (const fn of leaveHandlers) {
        fn();
    }
    leaveHandlers = [];
    clearError();
    ctx.status('');
    const params = new URLSearchParams(location.search);
    view.dataset.ready = '0';
    translateChrome();
    try {
        await loadVocabulary(); // once: every label of an event or a state comes from it
        if (params.has('compare')) {
            view.dataset.view = 'compare';
            await renderCompare(ctx, token, params);
        } else if (params.has('flow')) {
            view.dataset.view = 'flow';
            await renderFlow(ctx, token, params);
        } else if (params.has('capture') && params.get('view') === 'overview') {
            view.dataset.view = 'overview';
            await renderOverview(ctx, token, params);
        } else if (params.has('capture')) {
            view.dataset.view = 'flows';
            await renderFlows(ctx, token, params);
        } else {
            view.dataset.view = 'home';
            await renderHome(ctx, token, params);
        }
    } catch (err) {
        if (ctx.current(token)) {
            showError(err);
        }
    }
    if (ctx.current(token)) {
        view.dataset.ready = '1';
    }
}

function switchLang(l) {
    if (l === lang()) {
        return;
    }
    setLang(l);
    rememberLang(l);
    const params = new URLSearchParams(location.search);
    navigate(params, { replace: true });
}

function isTyping(target) {
    return target instanceof HTMLElement &&
        (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
}

document.addEventListener('keydown', (e) => {
    if (!keyHandler || e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) {
        return;
    }
    if (keyHandler(e.key)) {
        e.preventDefault();
    }
});

// Links marked data-nav (and every ?query link inside the view) move without reloading the page.
document.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a') : null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey ||
        a.target) {
        return;
    }
    const href = a.getAttribute('href') || '';
    if (a.hasAttribute('data-nav') || href.startsWith('?')) {
        e.preventDefault();
        const u = new URL(href, location.href);
        navigate(u.searchParams);
    }
});

window.addEventListener('popstate', () => render());
document.getElementById('lang-en').addEventListener('click', () => switchLang('en'));
document.getElementById('lang-zh').addEventListener('click', () => switchLang('zh'));

setLang(initialLang());
render();
