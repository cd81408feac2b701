// A small element builder. Text always goes in as text (never as HTML): every string the page
// shows may come from an uploaded capture's file name.

export function h(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) {
            continue;
        }
        if (k === 'class') {
            e.className = v;
        } else if (k === 'dataset') {
            Object.assign(e.dataset, v);
        } else if (k.startsWith('on') && typeof v === 'function') {
            e.addEventListener(k.slice(2), v);
        } else if (v === true) {
            e.setAttribute(k, '');
        } else {
            e.setAttribute(k, String(v));
        }
    }
    for (const c of children.flat()) {
        if (c === undefined || c === null || c === false) {
            continue;
        }
        e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
}

export function formatBytes(n) {
    if (n == null) {
        return '—';
    }
    if (n < 1024) {
        return `${n} B`;
    }
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n;
    let u = -1;
    do {
        v /= 1024;
        u++;
    } while (v >= 1024 && u < units.length - 1);
    return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

// "2016-06-01T10:24:00.265744Z" -> "2016-06-01 10:24:00.265744 UTC": the capture's own precision.
export function formatTs(ts) {
    if (!ts) {
        return '—';
    }
    return ts.replace('T', ' ').replace(/Z$/, ' UTC');
}

export function endpoint(ep) {
    if (!ep) {
        return '—';
    }
    return ep.ip.includes(':') ? `[${ep.ip}]:${ep.port}` : `${ep.ip}:${ep.port}`;
}
