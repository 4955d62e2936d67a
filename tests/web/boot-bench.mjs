// boot-bench.mjs - the Chromium row of bench/bench-boot.py: boots the default Linux guest
// (OpenSBI + guest/build.sh's kernel and initramfs, from the built site) in headless
// Chromium, one boot per line read on stdin, so that the caller can alternate it with
// native minimu and QEMU.  For each boot it prints one JSON line:
//   {"wall": s, "uptime": s}
// wall: from createMachine() in the page (worker start, wasm fetch and compile, image
// fetch included, as a process start is natively) to the guest's /init banner;
// uptime: the guest's own uptime printed in the banner.  Prints {"ready": true} first.
// Usage: node boot-bench.mjs   (site from MINIMU_WEB_SITE or build/web/site)
import readline from 'node:readline';
import { startServer, launchBrowser } from './harness.mjs';

const server = await startServer();
const browser = await launchBrowser();
const page = await browser.ctx.newPage();
await page.goto(server.url + '?guest=linux');
console.log(JSON.stringify({ ready: true }));

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
    if (line.trim() !== 'boot') {
        break;
    }
    try {
        const r = await page.evaluate(async () => {
            const { createMachine } = await import('./minimu.mjs');
            const t0 = performance.now();
            const m = await createMachine({
                bios: 'images/fw_dynamic.bin', kernel: 'images/Image',
                initrd: 'images/initramfs.cpio.gz', memory: '256M', onLog: () => {},
            });
            await m.waitFor('minimu guest: Linux ', 300000);
            const wall = (performance.now() - t0) / 1000;
            await new Promise((resolve) => setTimeout(resolve, 50)); // the rest of the banner line
            const up = m.output.match(/riscv64, up ([0-9.]+)s/);
            await m.stop();
            return { wall, uptime: up ? Number(up[1]) : null };
        });
        console.log(JSON.stringify(r));
    } catch (e) {
        console.log(JSON.stringify({ error: String(e.message || e) }));
    }
}
await browser.close();
server.close();
