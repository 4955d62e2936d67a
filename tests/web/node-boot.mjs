// node-boot.mjs - the wasm build boots Debian's OpenSBI + U-Boot to the "=> "
// prompt in a node worker (the same web/machine-worker.js the page uses) and
// answers "version".  Usage: node node-boot.mjs SITE_DIR   (exit 0 = pass)
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { SerialRing } from '../../web/serial-ring.mjs';

const site = path.resolve(process.argv[2] || 'build/web/site') + '/';
const timeoutMs = Number(process.env.MINIMU_WEB_TIMEOUT_MS || 120000);
const t0 = performance.now();

const w = new Worker(site + 'machine-worker.js', { execArgv: ['--no-experimental-fetch'] });
let out = '';
let ring = null;
let cursor = 0;
const waiters = [];

function check() {
    for (let i = 0; i < waiters.length; i++) {
        const at = out.indexOf(waiters[i].text, cursor);
        if (at >= 0) {
            cursor = at + waiters[i].text.length;
            waiters.splice(i, 1)[0].resolve();
            i--;
        }
    }
}
function waitFor(text) {
    return new Promise((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        setTimeout(() => reject(new Error(`timeout waiting for ${JSON.stringify(text)}`)), timeoutMs);
    });
}
const exited = new Promise((resolve) => {
    w.on('message', (m) => {
        if (m.type === 'console') {
            ring = new SerialRing(m.buffer, m.ptr);
            const dec = new TextDecoder();
            ring.pump((bytes) => {
                const s = dec.decode(bytes, { stream: true });
                process.stdout.write(s);
                out += s;
                check();
            });
        } else if (m.type === 'log') {
            process.stderr.write(`[minimu] ${m.text}\n`);
        } else if (m.type === 'error') {
            process.stderr.write(`[worker error] ${m.message}\n`);
            process.exit(2);
        } else if (m.type === 'exit') {
            resolve(m.status);
        }
    });
    w.on('error', (e) => {
        process.stderr.write(`[worker] ${e.stack || e}\n`);
        process.exit(2);
    });
});

w.postMessage({
    type: 'start',
    config: {
        baseUrl: site,
        bios: site + 'images/fw_dynamic.bin',
        kernel: site + 'images/u-boot.bin',
        memory: '128M',
    },
});

let ok = false;
try {
    await waitFor('=> ');
    const tPrompt = performance.now() - t0;
    ring.write(new TextEncoder().encode('version\r'));
    await waitFor('U-Boot 20');
    await waitFor('=> ');
    console.log(`\n[node-boot] prompt after ${(tPrompt / 1000).toFixed(2)} s; version answered`);
    w.postMessage({ type: 'stop', status: 0 });
    const status = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10000))]);
    console.log(`[node-boot] machine exited with status ${status}`);
    ok = status === 0;
} catch (e) {
    console.error(`\n[node-boot] FAIL: ${e.message}`);
}
if (ring) {
    ring.close();
}
await w.terminate();
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);
