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

test('the page loads, U-Boot reaches the prompt, and "version" typed into the terminal answers', { timeout: BOOT_MS }, async () => {
    const page = await openPage('?autostart');
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
        const mk = () => createMachine({ bios: 'images/fw_dynamic.bin', kernel: 'images/u-boot.bin', memory: '64M' });
        const [a, b] = await Promise.all([mk(), mk()]);
        window.pair = { a, b };
        await Promise.all([a.waitFor('=> ', 170000), b.waitFor('=> ', 170000)]);
        a.serial.write('echo alpha-$ver\r');
        b.serial.write('setenv who beta; echo $who-machine\r');
        await a.waitFor('alpha-', 30000);
        await b.waitFor('beta-machine', 30000);
        const r = {
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
    assert.equal(result.aHasBeta, false);
    assert.equal(result.bHasAlpha, false);
    assert.equal(result.aStatus, 0);
    assert.equal(result.aState, 'stopped');
    assert.equal(result.bState, 'running');
    assert.equal(result.bStatus, 0);
    await page.close();
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
