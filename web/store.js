// One connection's timeline, loaded page by page: the first page comes with the flow, any other
// packet is fetched (in chunks) when something needs it: the virtual ladder scrolling there,
// End, the keys stepping past what is loaded. Only the public API (GET /flows/{id}, offset,
// limit) is used.

import { get } from './api.js';

export const FIRST_PAGE = 1000;
export const CHUNK = 250;

export class Timeline {
    // flow: the API's answer to GET /flows/{id}?limit=FIRST_PAGE.
    constructor(flow, { onLoad } = {}) {
        this.id = flow.id;
        const first = flow.timeline || [];
        const page = flow.timeline_page || { total: first.length };
        this.total = page.total ?? first.length;
        this.packets = new Array(this.total);
        first.forEach((p, i) => {
            this.packets[i] = p;
        });
        this.loadedCount = first.length;
        this.pending = new Map(); // chunk number -> promise
        this.onLoad = onLoad || (() => {});
    }

    get complete() {
        return this.loadedCount >= this.total;
    }

    has(i) {
        return this.packets[i] !== undefined;
    }

    at(i) {
        return this.packets[i];
    }

    // The packets from 0 while they are loaded without a hole.
    prefix() {
        let n = 0;
        while (n < this.total && this.packets[n] !== undefined) {
            n++;
        }
        return this.packets.slice(0, n);
    }

    // Loads the chunk holding packet i; resolves with the packet (or undefined on an error).
    async load(i) {
        if (i < 0 || i >= this.total) {
            return undefined;
        }
        if (this.has(i)) {
            return this.packets[i];
        }
        const c = Math.floor(i / CHUNK);
        if (!this.pending.has(c)) {
            const offset = c * CHUNK;
            const p = get(`/flows/${encodeURIComponent(this.id)}`, { offset, limit: CHUNK })
                .then((body) => {
                    (body.timeline || []).forEach((pk, k) => {
                        if (this.packets[offset + k] === undefined) {
                            this.loadedCount++;
                        }
                        this.packets[offset + k] = pk;
                    });
                    this.onLoad(offset, (body.timeline || []).length);
                })
                .finally(() => this.pending.delete(c));
            this.pending.set(c, p);
        }
        await this.pending.get(c);
        return this.packets[i];
    }

    // Loads every packet from a to b (inclusive), chunk by chunk.
    async loadRange(a, b) {
        const jobs = [];
        for (let i = Math.max(0, a); i <= Math.min(b, this.total - 1); i += CHUNK) {
            const c = Math.floor(i / CHUNK) * CHUNK;
            for (let k = c; k < Math.min(c + CHUNK, this.total); k++) {
                if (!this.has(k)) {
                    jobs.push(this.load(k));
                    break;
                }
            }
        }
        await Promise.all(jobs);
    }
}
