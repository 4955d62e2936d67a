// minimu.mjs - the embed API: machines in a page.
//
//   import { createMachine } from './minimu.mjs';
//   const m = await createMachine({ element, bios, kernel, initrd, append, memory });
//   m.serial.onData((text) => ...);  m.serial.write('version\r');
//   await m.waitFor('=> ');          m.stop();  await m.reset();
//
// Each machine is one dedicated Worker (web/machine-worker.js) with its own
// instance of minimu.wasm, so several machines on a page run independently.
// The console is two SharedArrayBuffer rings (serial-ring.mjs); with `element`,
// an xterm.js terminal is attached.  Needs a cross-origin isolated page
// (COOP/COEP: serve.mjs, or the service-worker shim coi-sw.js).
import { SerialRing } from './serial-ring.mjs';

const here = new URL('.', import.meta.url).href;

export function sharedMemoryAvailable() {
    return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated !== false;
}

export const NO_SAB_MESSAGE =
    'minimu needs SharedArrayBuffer, which this page does not have: it must be served ' +
    'cross-origin isolated (headers Cross-Origin-Opener-Policy: same-origin and ' +
    'Cross-Origin-Embedder-Policy: require-corp).  Use "node web/serve.mjs", or let the ' +
    'service-worker shim (coi-sw.js) reload the page.';

function loadScript(src) {
    return new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = src;
        s.onload = resolve;
        s.onerror = () => reject(new Error(`cannot load ${src}`));
        document.head.appendChild(s);
    });
}

let xtermLoaded = null;
// xterm.js and its fit addon are UMD bundles: loaded once as classic scripts.
export function loadXterm(base = here) {
    if (!xtermLoaded) {
        const css = document.createElement('link');
        css.rel = 'stylesheet';
        css.href = base + 'vendor/xterm.css';
        document.head.appendChild(css);
        xtermLoaded = loadScript(base + 'vendor/xterm.js').then(() => loadScript(base + 'vendor/addon-fit.js'));
    }
    return xtermLoaded;
}

class Serial {
    constructor(machine) {
        this.machine = machine;
        this.listeners = new Set();
    }

    // Send text (or bytes) to the guest's UART.  Queued until the console exists.
    write(data) {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
        this.machine._input(bytes);
    }

    // cb(text) for every chunk the guest prints; returns a function that unsubscribes.
    onData(cb) {
        this.listeners.add(cb);
        return () => this.listeners.delete(cb);
    }
}

export class Machine {
    constructor(options) {
        this.options = { ...options };
        this.base = options.baseUrl || here;
        this.serial = new Serial(this);
        this.output = '';       // everything printed since the last (re)start, capped
        this.cursor = 0;        // waitFor() matches after the previous match
        this.waiters = [];
        this.pendingInput = [];
        this.state = 'new';     // new, loading, running, stopped
        this.onProgress = options.onProgress || null;
        this.onState = options.onState || null;
        this.onStats = options.onStats || null;
        this.onLog = options.onLog || ((t) => console.log(`[minimu] ${t}`));
        this.term = null;
        this.exitStatus = null;
    }

    async _attachTerminal() {
        const el = this.options.element;
        if (!el || this.term) {
            return;
        }
        await loadXterm(this.base);
        this.term = new globalThis.Terminal({ convertEol: false, cursorBlink: true, fontSize: 14 });
        this.fit = new globalThis.FitAddon.FitAddon();
        this.term.loadAddon(this.fit);
        this.term.open(el);
        try {
            this.fit.fit();
        } catch (e) {
            /* an element without a size yet */
        }
        this.term.onData((d) => this.serial.write(d));
        this.serial.onData((text) => this.term.write(text));
        this._resize = () => {
            try {
                this.fit.fit();
            } catch (e) {
                /* detached */
            }
        };
        globalThis.addEventListener('resize', this._resize);
    }

    _setState(s) {
        this.state = s;
        if (this.onState) {
            this.onState(s);
        }
    }

    _emit(text) {
        this.output += text;
        if (this.output.length > 4 << 20) {
            const cut = this.output.length - (2 << 20);
            this.output = this.output.slice(cut);
            this.cursor = Math.max(0, this.cursor - cut);
        }
        for (const cb of this.serial.listeners) {
            cb(text);
        }
        this._checkWaiters();
    }

    _checkWaiters() {
        for (let i = 0; i < this.waiters.length; i++) {
            const w = this.waiters[i];
            const at = this.output.indexOf(w.text, this.cursor);
            if (at >= 0) {
                this.cursor = at + w.text.length;
                this.waiters.splice(i, 1);
                i--;
                clearTimeout(w.timer);
                w.resolve(at);
            }
        }
    }

    // Resolves when `text` appears in the output after the previous waitFor match.
    waitFor(text, timeoutMs = 120000) {
        return new Promise((resolve, reject) => {
            const w = { text, resolve };
            w.timer = setTimeout(() => {
                this.waiters = this.waiters.filter((x) => x !== w);
                reject(new Error(`minimu: timed out waiting for ${JSON.stringify(text)}`));
            }, timeoutMs);
            this.waiters.push(w);
            this._checkWaiters();
        });
    }

    _input(bytes) {
        if (!this.ring) {
            this.pendingInput.push(bytes);
            return;
        }
        let off = 0;
        const push = () => {
            off += this.ring.write(bytes.subarray(off));
            if (off < bytes.length && this.ring && !this.ring.closed) {
                setTimeout(push, 5); // the guest is slow to read: retry, never drop typed input
            }
        };
        push();
    }

    async start() {
        if (!sharedMemoryAvailable()) {
            throw new Error(NO_SAB_MESSAGE);
        }
        await this._attachTerminal();
        this._setState('loading');
        this.output = '';
        this.cursor = 0;
        this.exitStatus = null;
        this.lastStats = null;
        const worker = new Worker(this.base + 'machine-worker.js');
        this.worker = worker;
        this.exited = new Promise((resolve) => {
            this._resolveExit = resolve;
        });
        const started = new Promise((resolve, reject) => {
            worker.onmessage = (e) => {
                const m = e.data;
                if (m.type === 'progress') {
                    if (this.onProgress) {
                        this.onProgress(m.what, m.loaded, m.total);
                    }
                } else if (m.type === 'console') {
                    this.ring = new SerialRing(m.buffer, m.ptr);
                    const dec = new TextDecoder();
                    this.ring.pump((bytes) => this._emit(dec.decode(bytes, { stream: true })));
                    for (const b of this.pendingInput.splice(0)) {
                        this._input(b);
                    }
                    this._setState('running');
                    resolve();
                } else if (m.type === 'stats') {
                    const last = this.lastStats;
                    this.lastStats = m;
                    if (last && this.onStats && m.t > last.t) {
                        const mips = (m.insns - last.insns) / (m.t - last.t) / 1000;
                        this.onStats({ mips, insns: m.insns });
                    }
                } else if (m.type === 'log') {
                    this.onLog(m.text);
                } else if (m.type === 'error') {
                    reject(new Error(m.message));
                    this._finish(1);
                } else if (m.type === 'exit') {
                    this._finish(m.status);
                    reject(new Error(`minimu exited with status ${m.status} before its console opened`));
                }
            };
            worker.onerror = (e) => {
                reject(new Error(e.message || 'worker failed'));
                this._finish(1);
            };
        });
        const o = this.options;
        const abs = (u) => (typeof u === 'string' ? new URL(u, document.baseURI).href : u);
        worker.postMessage({
            type: 'start',
            config: {
                baseUrl: this.base,
                bios: abs(o.bios),
                kernel: abs(o.kernel),
                initrd: abs(o.initrd),
                append: o.append,
                memory: o.memory,
                smp: o.smp,
                extraArgs: o.extraArgs,
            },
        });
        await started;
        return this;
    }

    _finish(status) {
        if (this.ring) {
            this.ring.close();
            this.ring = null;
        }
        if (this.worker) {
            this.worker.terminate();
            this.worker = null;
        }
        this.exitStatus = status;
        this._setState('stopped');
        if (this._resolveExit) {
            this._resolveExit(status);
        }
    }

    // Stop the machine: a clean quit of its main loop, then the worker ends.  Resolves to the exit status.
    async stop(timeoutMs = 5000) {
        if (!this.worker) {
            return this.exitStatus;
        }
        const w = this.worker;
        w.postMessage({ type: 'stop', status: 0 });
        const t = setTimeout(() => this._finish(-1), timeoutMs);
        const status = await this.exited;
        clearTimeout(t);
        return status;
    }

    // Power-cycle: stop, then boot the same images again (same terminal, cleared).
    async reset() {
        await this.stop();
        if (this.term) {
            this.term.reset();
        }
        return this.start();
    }

    // Leave the page clean: stop and remove the terminal.
    async destroy() {
        await this.stop();
        if (this.term) {
            globalThis.removeEventListener('resize', this._resize);
            this.term.dispose();
            this.term = null;
        }
    }
}

// Create and start a machine; resolves once its console is open (the guest is running).
export async function createMachine(options = {}) {
    const m = new Machine(options);
    await m.start();
    return m;
}
