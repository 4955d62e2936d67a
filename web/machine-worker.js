// machine-worker.js - one machine = one dedicated worker running one instance of
// minimu.wasm.  This worker is the machine's "main thread": its event loop drives
// the main loop (platform/web/main-loop-web.c); vCPU threads are further workers
// that Emscripten's pthreads create from here.  Runs in a browser Worker and in a
// node worker_threads Worker (tests/web/node-boot.mjs).
//
// Parent -> worker: {type:'start', config}, {type:'stop', status}
// Worker -> parent: {type:'progress', what, loaded, total}, {type:'console', buffer, ptr},
//                   {type:'log', text}, {type:'started'}, {type:'exit', status},
//                   {type:'error', message}
'use strict';

const isNode = typeof importScripts !== 'function';
let post;
let nodeRequire = null;
if (isNode) {
    nodeRequire = require;
    const { parentPort } = nodeRequire('worker_threads');
    post = (m, t) => parentPort.postMessage(m, t);
    parentPort.on('message', (m) => handle(m));
} else {
    post = (m, t) => self.postMessage(m, t);
    self.onmessage = (e) => handle(e.data);
    // exit() unwinds the wasm stack by throwing ExitStatus; it is how main() ends, not an error.
    self.addEventListener('error', (e) => {
        if (e.error && e.error.name === 'ExitStatus') {
            e.preventDefault();
        }
    });
    self.addEventListener('unhandledrejection', (e) => {
        if (e.reason && e.reason.name === 'ExitStatus') {
            e.preventDefault();
        }
    });
}

let mod = null;
let exited = false;

async function fetchWithProgress(what, url) {
    if (isNode) {
        return new Uint8Array(nodeRequire('fs').readFileSync(url));
    }
    const r = await fetch(url);
    if (!r.ok) {
        throw new Error(`${what}: ${url}: HTTP ${r.status}`);
    }
    const total = Number(r.headers.get('content-length')) || 0;
    if (!r.body || !r.body.getReader) {
        const b = new Uint8Array(await r.arrayBuffer());
        post({ type: 'progress', what, loaded: b.length, total: b.length });
        return b;
    }
    const reader = r.body.getReader();
    const chunks = [];
    let loaded = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) {
            break;
        }
        chunks.push(value);
        loaded += value.length;
        post({ type: 'progress', what, loaded, total });
    }
    const out = new Uint8Array(loaded);
    let off = 0;
    for (const c of chunks) {
        out.set(c, off);
        off += c.length;
    }
    return out;
}

// An image is a URL (fetched, with progress), or bytes the parent already has.
async function image(what, src) {
    if (src === undefined || src === null || src === '') {
        return null;
    }
    if (src instanceof ArrayBuffer) {
        return new Uint8Array(src);
    }
    if (ArrayBuffer.isView(src)) {
        return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    }
    return fetchWithProgress(what, String(src));
}

function commandLine(cfg) {
    const args = ['-M', 'virt', '-m', String(cfg.memory || '128M')];
    if (cfg.smp) {
        args.push('-smp', String(cfg.smp));
    }
    args.push('-bios', cfg.bios ? '/images/bios' : 'none');
    if (cfg.kernel) {
        args.push('-kernel', '/images/kernel');
    }
    if (cfg.initrd) {
        args.push('-initrd', '/images/initrd');
    }
    if (cfg.append) {
        args.push('-append', String(cfg.append));
    }
    return args.concat(cfg.extraArgs || []);
}

async function start(cfg) {
    const base = cfg.baseUrl || './';
    const [wasm, bios, kernel, initrd] = await Promise.all([
        fetchWithProgress('minimu.wasm', base + 'minimu.wasm'),
        image('bios', cfg.bios),
        image('kernel', cfg.kernel),
        image('initrd', cfg.initrd),
    ]);
    let factory;
    if (isNode) {
        factory = nodeRequire(base + 'minimu.js');
    } else {
        importScripts(base + 'minimu.js');
        factory = self.createMinimu;
    }
    mod = await factory({
        wasmBinary: wasm,
        locateFile: (p) => base + p,
        mainScriptUrlOrBlob: base + 'minimu.js',
        // The pthread pool (PTHREAD_POOL_SIZE): the board creates one thread per hart, at once.
        minimuThreads: Math.max(1, Math.min(16, Number(cfg.smp) || 1)),
        print: (text) => post({ type: 'log', text }),
        printErr: (text) => post({ type: 'log', text }),
        onConsole: (ptr, buffer) => post({ type: 'console', buffer, ptr }),
        onExit: (status) => {
            exited = true;
            post({ type: 'exit', status });
        },
    });
    mod.FS.mkdir('/images');
    for (const [name, bytes] of [['bios', bios], ['kernel', kernel], ['initrd', initrd]]) {
        if (bytes) {
            mod.FS.writeFile('/images/' + name, bytes);
        }
    }
    post({ type: 'started' });
    // Retired instructions once a second, for the page's MIPS display.
    const stats = setInterval(() => {
        if (exited) {
            clearInterval(stats);
            return;
        }
        post({ type: 'stats', insns: mod._minimu_web_insn_count(), t: performance.now() });
    }, 1000);
    try {
        mod.callMain(commandLine(cfg));
    } catch (e) {
        // exit() throws to unwind; anything else is a real failure.
        if (!(e && (e.name === 'ExitStatus' || e === 'unwind'))) {
            throw e;
        }
    }
}

function handle(m) {
    if (m.type === 'start') {
        start(m.config || {}).catch((e) => post({ type: 'error', message: String(e && e.stack || e) }));
    } else if (m.type === 'stop') {
        if (mod && !exited) {
            mod._minimu_web_quit(m.status | 0);
        } else {
            post({ type: 'exit', status: 0 });
        }
    }
}
