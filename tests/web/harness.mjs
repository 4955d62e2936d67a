// harness.mjs - shared by the browser tests and the benchmark: start web/serve.mjs on a
// free port and Debian's chromium headless through playwright-core.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
export const site = path.resolve(process.env.MINIMU_WEB_SITE || path.join(repo, 'build', 'web', 'site'));
const require = createRequire(path.join(repo, 'web', 'package.json'));
const { chromium } = require('playwright-core');

export async function startServer(extra = []) {
    const child = spawn(process.execPath, [path.join(repo, 'web', 'serve.mjs'), '--root', site,
        '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d) => {
            buf += d;
            const m = buf.match(/^(http:\/\/\S+)\n/);
            if (m) {
                resolve(m[1]);
            }
        });
        child.on('exit', (c) => reject(new Error(`serve.mjs exited with ${c}`)));
    });
    return { url, close: () => child.kill() };
}

export async function launchBrowser() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minimu-chromium-'));
    const ctx = await chromium.launchPersistentContext(dir, {
        executablePath: process.env.MINIMU_CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            // Extra flags for experiments, e.g. MINIMU_CHROMIUM_FLAGS=--js-flags=--no-liftoff
            ...(process.env.MINIMU_CHROMIUM_FLAGS || '').split(' ').filter(Boolean)],
    });
    return {
        ctx,
        close: async () => {
            await ctx.close();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
