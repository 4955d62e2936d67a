// serve.mjs - the development server for the web build: static files from the built
// site on 127.0.0.1 with the headers that make a page cross-origin isolated
// (needed for SharedArrayBuffer, hence for wasm threads).  No dependencies.
//
//   node web/serve.mjs [--root build/web/site] [--port 8080] [--no-coi | --static]
//
// --no-coi serves without the isolation headers and without the service-worker
// shim, to see (and test) the page's message when SharedArrayBuffer is missing.
// --static serves without the headers but with the shim (coi-sw.js), like static
// hosting that cannot set headers: the page isolates itself after one reload.
// --port 0 picks a free port; the first line printed is the URL.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
function opt(name, dflt) {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(opt('--root', path.join(here, '..', 'build', 'web', 'site')));
const port = Number(opt('--port', '8080'));
const bare = args.includes('--static');
const coi = !args.includes('--no-coi') && !bare;

const types = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
    '.map': 'application/json',
    '.bin': 'application/octet-stream',
};

const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) {
        rel += 'index.html';
    }
    const file = path.resolve(root, '.' + path.posix.normalize(rel));
    const headers = { 'Cache-Control': 'no-cache' };
    if (coi) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
        headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    const refused = !file.startsWith(root + path.sep) || (!coi && !bare && path.basename(file) === 'coi-sw.js');
    fs.stat(file, (err, st) => {
        if (refused || err || !st.isFile()) {
            res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
            res.end('not found\n');
            return;
        }
        headers['Content-Type'] = types[path.extname(file)] || 'application/octet-stream';
        headers['Content-Length'] = st.size;
        res.writeHead(200, headers);
        if (req.method === 'HEAD') {
            res.end();
            return;
        }
        fs.createReadStream(file).pipe(res);
    });
});

server.listen(port, '127.0.0.1', () => {
    const { port: p } = server.address();
    console.log(`http://127.0.0.1:${p}/`);
    const how = coi ? '' : bare ? ' without isolation headers (static hosting: the shim isolates)'
        : ' WITHOUT cross-origin isolation';
    console.error(`serving ${root}${how}`);
});
