// app.mjs - the page: a toolbar and a terminal around one machine (minimu.mjs).
import { Machine, sharedMemoryAvailable, NO_SAB_MESSAGE } from './minimu.mjs';

const $ = (id) => document.getElementById(id);
// The guests the site carries (scripts/web-build.sh copies them into images/).  Linux + busybox,
// built by guest/build.sh from Debian sources, is the default, as natively.
const guests = {
    linux: {
        bios: 'images/fw_dynamic.bin', kernel: 'images/Image', initrd: 'images/initramfs.cpio.gz',
        memory: '256M',
    },
    uboot: { bios: 'images/fw_dynamic.bin', kernel: 'images/u-boot.bin', memory: '128M' },
};
const params = new URLSearchParams(location.search);
if (params.get('guest') in guests) {
    $('guest').value = params.get('guest');
}

if (!sharedMemoryAvailable()) {
    $('nosab').textContent = NO_SAB_MESSAGE;
    $('nosab').hidden = false;
    $('start').disabled = true;
    document.documentElement.dataset.nosab = '1';
} else {
    let machine = null;
    const progress = $('progress');
    const loads = new Map();
    const setState = (s) => {
        const st = machine && machine.exitStatus;
        $('state').textContent = s === 'stopped' && st !== null && st !== undefined ? `stopped (exit ${st})` : s;
        document.documentElement.dataset.state = s;
        $('start').disabled = s === 'loading' || s === 'running';
        $('stop').disabled = s !== 'running';
        $('reset').disabled = s !== 'running';
        if (s !== 'running') {
            $('mips').textContent = '';
        }
    };
    const onProgress = (what, loaded, total) => {
        loads.set(what, [loaded, total || loaded]);
        window.minimuLoads = loads; // what was loaded, for the browser tests
        let l = 0, t = 0;
        for (const [a, b] of loads.values()) {
            l += a;
            t += b;
        }
        progress.hidden = l >= t;
        progress.value = t ? l / t : 0;
        $('progress-text').textContent = l >= t ? '' : `loading ${what} ${(l / 1048576).toFixed(1)} MiB`;
    };
    $('start').onclick = async () => {
        if (!machine) {
            machine = new Machine({
                element: $('terminal'), onProgress, onState: setState,
                onStats: (s) => { $('mips').textContent = `${s.mips.toFixed(1)} MIPS`; },
                ...guests[$('guest').value],
            });
            window.minimuMachine = machine; // for the browser tests and the console
        }
        try {
            await machine.start();
            machine.term.focus();
        } catch (e) {
            $('progress-text').textContent = String(e.message || e);
            setState('stopped');
        }
    };
    $('stop').onclick = () => machine && machine.stop();
    $('reset').onclick = () => machine && machine.reset();
    $('guest').onchange = async () => {
        if (machine) {
            await machine.destroy();
            machine = null;
        }
    };
    setState('stopped');
    if (params.has('autostart')) {
        $('start').click();
    }
}
