// serial-ring.mjs - the page's side of a machine's console: two ring buffers in the
// machine's shared wasm memory (platform/web/char-web.c has the C side and the layout).
// Works in a browser page and in node (tests/web/node-boot.mjs).

const HDR_WORDS = 12; // WebConsoleRings header, in 32-bit words
const OUT_HEAD = 0, OUT_TAIL = 1, OUT_WAITING = 2, OUT_SIZE = 3;
const IN_HEAD = 4, IN_TAIL = 5, IN_SIZE = 6, IN_FLAG = 7, WAKE_SEQ = 8;

export class SerialRing {
    // buffer: the machine's wasm memory (a SharedArrayBuffer); ptr: the WebConsoleRings address.
    constructor(buffer, ptr) {
        this.i32 = new Int32Array(buffer);
        this.u8 = new Uint8Array(buffer);
        this.hdr = ptr >> 2;
        this.outSize = this.i32[this.hdr + OUT_SIZE] >>> 0;
        this.inSize = this.i32[this.hdr + IN_SIZE] >>> 0;
        this.outData = ptr + HDR_WORDS * 4;
        this.inData = this.outData + this.outSize;
        this.closed = false;
    }

    // Bytes the guest wrote since the last call (a fresh, unshared Uint8Array), or null.
    read() {
        const i32 = this.i32, h = this.hdr;
        const head = Atomics.load(i32, h + OUT_HEAD) >>> 0;
        const tail = Atomics.load(i32, h + OUT_TAIL) >>> 0;
        const n = (head - tail) >>> 0;
        if (n === 0) {
            return null;
        }
        const out = new Uint8Array(n);
        const start = tail % this.outSize;
        const first = Math.min(n, this.outSize - start);
        out.set(this.u8.subarray(this.outData + start, this.outData + start + first), 0);
        if (first < n) {
            out.set(this.u8.subarray(this.outData, this.outData + n - first), first);
        }
        Atomics.store(i32, h + OUT_TAIL, head | 0);
        return out;
    }

    // Call cb(Uint8Array) for every chunk of output until close().  Sleeps with
    // Atomics.waitAsync; the writer wakes it only after it announced the wait.
    async pump(cb) {
        const i32 = this.i32, h = this.hdr;
        while (!this.closed) {
            const chunk = this.read();
            if (chunk) {
                cb(chunk);
                continue;
            }
            const head = Atomics.load(i32, h + OUT_HEAD);
            Atomics.store(i32, h + OUT_WAITING, 1);
            if (Atomics.load(i32, h + OUT_HEAD) !== head) {
                continue;
            }
            if (typeof Atomics.waitAsync === 'function') {
                const r = Atomics.waitAsync(i32, h + OUT_HEAD, head, 100);
                if (r.async) {
                    await r.value;
                }
            } else {
                await new Promise((resolve) => setTimeout(resolve, 10));
            }
        }
    }

    // Queue bytes for the guest; returns how many fit (the rest is the caller's to retry).
    write(bytes) {
        const i32 = this.i32, h = this.hdr;
        const head = Atomics.load(i32, h + IN_HEAD) >>> 0;
        const tail = Atomics.load(i32, h + IN_TAIL) >>> 0;
        const room = this.inSize - ((head - tail) >>> 0);
        const n = Math.min(room, bytes.length);
        for (let i = 0; i < n; i++) {
            this.u8[this.inData + ((head + i) % this.inSize)] = bytes[i];
        }
        Atomics.store(i32, h + IN_HEAD, (head + n) | 0);
        // Set the console's event notifier, then wake the machine's main loop.
        Atomics.store(i32, (i32[h + IN_FLAG] >>> 0) >> 2, 1);
        const seq = (i32[h + WAKE_SEQ] >>> 0) >> 2;
        Atomics.add(i32, seq, 1);
        Atomics.notify(i32, seq);
        return n;
    }

    close() {
        this.closed = true;
    }
}
