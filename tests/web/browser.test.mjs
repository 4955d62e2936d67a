// browser.test.mjs - the web build in headless Chromium (playwright-core, Debian's chromium).
// Needs a built site (scripts/web-build.sh).  Run: node --test tests/web/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser } from './harness.mjs';

const BOOT_MS = 180000;
let server, browser;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
});
after(async () => {
    await browser?.close();
    server?.close();
});

async function openPage(path = '') {
    const page = await browser.ctx.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    await page.goto(server.url + path);
    return page;
}

// The terminal's visible text (xterm renders rows into .xterm-rows).
async function terminalText(page) {
    return page.evaluate(() => document.querySelector('.xterm-rows')?.innerText || '');
}

// Type a line into the terminal (as a user would) and wait for the guest's next shell prompt.
async function shell(page, line) {
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
    return page.evaluate(() => window.minimuMachine.waitFor('minimu:~# ', 60000));
}

test('the page boots the default Linux guest to a shell: banner, uname -a, /proc/cpuinfo, poweroff', { timeout: BOOT_MS }, async () => {
    const page = await openPage('?autostart');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    assert.equal(await page.inputValue('#guest'), 'linux');
    await page.waitForFunction(() => window.minimuMachine, null, { timeout: 30000 });
    const banner = await page.evaluate(async () => {
        const m = window.minimuMachine;
        await m.waitFor('minimu guest: Linux ', 150000);
        await m.waitFor('minimu:~# ', 60000);
        return m.output.match(/minimu guest: Linux (\S+) riscv64, up ([0-9.]+)s/);
    });
    assert.ok(banner, 'the /init banner names the kernel and riscv64');
    const release = banner[1];
    // Loading progress was reported for the wasm and each guest image.
    const loaded = await page.evaluate(() => [...window.minimuLoads.keys()].sort());
    assert.deepEqual(loaded, ['bios', 'initrd', 'kernel', 'minimu.wasm']);
    await page.click('.xterm');
    const mark = () => page.evaluate(() => window.minimuMachine.output.length);
    let from = await mark();
    await shell(page, 'uname -a');
    const uname = await page.evaluate((f) => window.minimuMachine.output.slice(f), from);
    assert.match(uname, new RegExp(`Linux minimu ${release.replace(/\./g, '\\.')} .*riscv64`));
    from = await mark();
    await shell(page, 'cat /sys/firmware/devicetree/base/cpus/cpu@0/riscv,isa; echo; cat /proc/cpuinfo');
    const out = await page.evaluate((f) => window.minimuMachine.output.slice(f), from);
    // (busybox wraps the echoed command line at the terminal's width: match the answer, not a line number)
    const dt = out.replace(/\0/g, '').match(/^(rv64[a-z0-9_]+)\r?$/m);
    assert.ok(dt, `the device tree's riscv,isa in ${JSON.stringify(out.slice(0, 300))}`);
    const dtIsa = dt[1];
    assert.match(dtIsa, /^rv64imafdc/);
    // Linux 6.1 prints the single-letter extensions plus the multi-letter ones it knows: all
    // of them must come from the device tree's string (as tests/linux/linux-test.py checks).
    const isa = out.match(/^isa\s*:\s*(\S+)/m);
    assert.ok(isa, '/proc/cpuinfo has an isa line');
    const [base, ...exts] = isa[1].split('_');
    assert.equal(base, dtIsa.split('_')[0]);
    for (const e of exts) {
        assert.ok(dtIsa.split('_').includes(e), `cpuinfo extension ${e} is in ${dtIsa}`);
    }
    assert.match(out, /mmu\s*: sv(39|48|57)/);
    // What was typed and answered is on the terminal too.
    await page.waitForFunction(() => /uname -a/.test(document.querySelector('.xterm-rows')?.innerText || ''));
    await page.keyboard.type('poweroff');
    await page.keyboard.press('Enter');
    const status = await page.evaluate(() => window.minimuMachine.exited);
    assert.equal(status, 0);
    await page.waitForFunction(() => document.documentElement.dataset.state === 'stopped');
    assert.equal(await page.textContent('#state'), 'stopped (exit 0)');
    await page.close();
});

test('the embed API boots Linux with an initrd and a kernel command line', { timeout: BOOT_MS }, async () => {
    const page = await openPage();
    const r = await page.evaluate(async () => {
        const { createMachine } = await import('./minimu.mjs');
        const m = await createMachine({
            bios: 'images/fw_dynamic.bin', kernel: 'images/Image', initrd: 'images/initramfs.cpio.gz',
            append: 'console=ttyS0 minimu.tutorial=embed42', memory: '128M', onLog: () => {},
        });
        await m.waitFor('minimu:~# ', 150000);
        m.serial.write('cat /proc/cmdline; grep MemTotal /proc/meminfo\r');
        await m.waitFor('MemTotal', 30000);
        await m.waitFor('minimu:~# ', 30000);
        const out = m.output;
        m.serial.write('poweroff\r');
        const status = await m.exited;
        return { out, status, state: m.state };
    });
    assert.match(r.out, /console=ttyS0 minimu\.tutorial=embed42/);
    const kb = Number(r.out.match(/MemTotal:\s+(\d+) kB/)[1]);
    assert.ok(kb > 64 * 1024 && kb <= 128 * 1024, `MemTotal ${kb} kB fits memory: '128M'`);
    assert.equal(r.status, 0);
    assert.equal(r.state, 'stopped');
    await page.close();
});

test('the page loads, U-Boot reaches the prompt, and "version" typed into the terminal answers', { timeout: BOOT_MS }, async () => {
    const page = await openPage('?guest=uboot&autostart');
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    await page.waitForFunction(() => window.minimuMachine, null, { timeout: 30000 });
    await page.evaluate(() => window.minimuMachine.waitFor('=> ', 150000));
    await page.waitForFunction(() => document.documentElement.dataset.state === 'running');
    await page.click('.xterm');
    await page.keyboard.type('version');
    await page.keyboard.press('Enter');
    await page.evaluate(() => window.minimuMachine.waitFor('U-Boot 20', 30000));
    await page.evaluate(() => window.minimuMachine.waitFor('=> ', 30000));
    await page.waitForFunction(() => (document.querySelector('.xterm-rows')?.innerText || '').includes('GNU ld'), null, { timeout: 10000 });
    const text = await terminalText(page);
    assert.match(text, /=> version/);
    assert.match(text, /U-Boot 2023/);
    // The toolbar shows live MIPS while the guest runs.
    await page.waitForFunction(() => /MIPS/.test(document.getElementById('mips').textContent), null, { timeout: 10000 });
    await page.close();
});

test('two machines on one page run independently; stop and reset work', { timeout: 2 * BOOT_MS }, async () => {
    const page = await openPage();
    const result = await page.evaluate(async () => {
        const { createMachine } = await import('./minimu.mjs');
        const mk = (smp) => createMachine({ bios: 'images/fw_dynamic.bin', kernel: 'images/u-boot.bin', memory: '64M', smp });
        const [a, b] = await Promise.all([mk(1), mk(2)]); // b: two harts, two vCPU workers
        window.pair = { a, b };
        await Promise.all([a.waitFor('=> ', 170000), b.waitFor('=> ', 170000)]);
        a.serial.write('echo alpha-$ver\r');
        b.serial.write('setenv who beta; echo $who-machine\r');
        await a.waitFor('alpha-', 30000);
        await b.waitFor('beta-machine', 30000);
        const r = {
            aHarts: (a.output.match(/Platform HART Count\s*:\s*(\d+)/) || [])[1],
            bHarts: (b.output.match(/Platform HART Count\s*:\s*(\d+)/) || [])[1],
            aHasBeta: a.output.includes('beta-machine'),
            bHasAlpha: b.output.includes('alpha-'),
        };
        // Stop A: B must keep answering.
        r.aStatus = await a.stop();
        r.aState = a.state;
        b.serial.write('echo still-here\r');
        await b.waitFor('still-here', 30000);
        // Reset B: it boots again to the prompt and has forgotten its environment.
        await b.reset();
        await b.waitFor('=> ', 170000);
        b.serial.write('echo [$who]\r');
        await b.waitFor('[]', 30000);
        r.bState = b.state;
        r.bStatus = await b.stop();
        return r;
    });
    assert.equal(result.aHarts, '1');
    assert.equal(result.bHarts, '2');
    assert.equal(result.aHasBeta, false);
    assert.equal(result.bHasAlpha, false);
    assert.equal(result.aStatus, 0);
    assert.equal(result.aState, 'stopped');
    assert.equal(result.bState, 'running');
    assert.equal(result.bStatus, 0);
    await page.close();
});

test('on static hosting without the headers, the service-worker shim isolates the page', { timeout: BOOT_MS }, async () => {
    const plain = await startServer(['--static']);
    try {
        const page = await browser.ctx.newPage();
        page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
        await page.goto(plain.url + '?guest=uboot');
        // index.html registers coi-sw.js and reloads once; then the page is isolated.
        await page.waitForFunction(() => self.crossOriginIsolated === true, null, { timeout: 30000 });
        assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);
        await page.click('#start');
        await page.waitForFunction(() => window.minimuMachine, null, { timeout: 30000 });
        await page.evaluate(() => window.minimuMachine.waitFor('=> ', 150000));
        await page.evaluate(() => window.minimuMachine.stop());
        await page.close();
    } finally {
        plain.close();
    }
});

test('without cross-origin isolation the page says SharedArrayBuffer is missing', { timeout: 60000 }, async () => {
    const plain = await startServer(['--no-coi']);
    try {
        const page = await browser.ctx.newPage();
        await page.goto(plain.url);
        await page.waitForSelector('#nosab:not([hidden])', { timeout: 20000 });
        const msg = await page.textContent('#nosab');
        assert.match(msg, /SharedArrayBuffer/);
        assert.equal(await page.isDisabled('#start'), true);
        await page.close();
    } finally {
        plain.close();
    }
});
