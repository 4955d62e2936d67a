// bench.mjs - the web build against native, in the same run (scripts/bench-web.sh):
//   1. the integer workload (bench/riscv/intbench.c): wall time from the machine's start
//      (natively the process; in the browser the console opening, after the wasm
//      compiled) to its exit, and guest MIPS from the instructions it reports;
//   2. U-Boot time-to-prompt: from starting the machine to "=> " on the console
//      (natively: process start; in the browser: createMachine(), wasm compile included).
// Usage: node bench.mjs NATIVE_MINIMU   (site from MINIMU_WEB_SITE or build/web/site)
import { spawn } from 'node:child_process';
import { startServer, launchBrowser, site } from './harness.mjs';

const native = process.argv[2];
const RUNS = Number(process.env.MINIMU_BENCH_RUNS || 3);
const FW = `${site}/images/fw_dynamic.bin`;
const UBOOT = `${site}/images/u-boot.bin`;
const ELF = `${site}/bench/intbench.elf`;

function parseBench(text, seconds) {
    const m = text.match(/intbench: checksum ([0-9a-f]+) instret (\d+)/);
    if (!m) {
        throw new Error(`no intbench line in output:\n${text.slice(-2000)}`);
    }
    const insns = Number(m[2]);
    return { insns, seconds, mips: insns / seconds / 1e6, sum: m[1] };
}

function nativeInt() {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const p = spawn(native, ['-M', 'virt', '-m', '128M', '-bios', 'none', '-kernel', ELF, '-nographic'],
            { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('exit', (code) => {
            const secs = (performance.now() - t0) / 1000;
            code === 0 ? resolve(parseBench(out, secs)) : reject(new Error(`native exit ${code}`));
        });
    });
}

function nativeUboot() {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const p = spawn(native, ['-M', 'virt', '-m', '128M', '-nographic', '-bios', FW, '-kernel', UBOOT],
            { stdio: ['pipe', 'pipe', 'inherit'] });
        let out = '';
        let done = false;
        p.stdout.on('data', (d) => {
            out += d;
            if (!done && out.includes('=> ')) {
                done = true;
                resolve((performance.now() - t0) / 1000);
                p.kill('SIGTERM');
            }
        });
        p.on('exit', () => done || reject(new Error('native U-Boot exited before the prompt')));
    });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = { native: { int: [], uboot: [] }, web: { int: [], uboot: [] } };
for (let i = 0; i < RUNS; i++) {
    results.native.int.push(await nativeInt());
    results.native.uboot.push(await nativeUboot());
}

const server = await startServer();
const browser = await launchBrowser();
try {
    const page = await browser.ctx.newPage();
    await page.goto(server.url);
    for (let i = 0; i < RUNS; i++) {
        const r = await page.evaluate(async () => {
            const { createMachine } = await import('./minimu.mjs');
            const m = await createMachine({ kernel: 'bench/intbench.elf', memory: '128M', onLog: () => {} });
            const t0 = performance.now();
            const status = await m.exited;
            const secs = (performance.now() - t0) / 1000;
            return { secs, text: status === 0 ? m.output : `exit status ${status}: ${m.output}` };
        });
        results.web.int.push(parseBench(r.text, r.secs));
        const secs = await page.evaluate(async () => {
            const { createMachine } = await import('./minimu.mjs');
            const t0 = performance.now();
            const m = await createMachine({ bios: 'images/fw_dynamic.bin', kernel: 'images/u-boot.bin', memory: '128M' });
            await m.waitFor('=> ', 300000);
            const t = (performance.now() - t0) / 1000;
            await m.stop();
            return t;
        });
        results.web.uboot.push(secs);
    }
} finally {
    await browser.close();
    server.close();
}

const nMips = median(results.native.int.map((r) => r.mips));
const wMips = median(results.web.int.map((r) => r.mips));
const nBoot = median(results.native.uboot);
const wBoot = median(results.web.uboot);
const sums = new Set([...results.native.int, ...results.web.int].map((r) => r.sum));
const f = (x, d = 2) => x.toFixed(d);
console.log(`runs: ${RUNS} each, medians; checksums ${sums.size === 1 ? 'agree' : 'DIFFER'} (${[...sums].join(', ')})`);
console.log('| workload | native | wasm (headless Chromium) | wasm / native |');
console.log('|---|---|---|---|');
const nSec = median(results.native.int.map((r) => r.seconds));
const wSec = median(results.web.int.map((r) => r.seconds));
console.log(`| intbench wall time (s) | ${f(nSec)} | ${f(wSec)} | ${f(nSec / wSec)}x (speed) |`);
console.log(`| intbench guest MIPS | ${f(nMips, 1)} | ${f(wMips, 1)} | ${f(wMips / nMips)}x |`);
console.log(`| U-Boot time to prompt (s) | ${f(nBoot)} | ${f(wBoot)} | ${f(nBoot / wBoot)}x (speed) |`);
console.log(`raw: ${JSON.stringify(results)}`);
process.exit(sums.size === 1 ? 0 : 1);
