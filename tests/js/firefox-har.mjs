// A HAR exported by Firefox's own network monitor. Firefox ESR runs
// headless with its developer tools open and the monitor's automatic export
// switched on (`devtools.netmonitor.har.enableAutoExportToFile`), which
// writes the HAR of a page's requests once the page has loaded. The page
// under test holds its load open with an image the server answers only
// when the page asks for `/__har/done`, so the export covers the whole
// session; it is reached from a start page once the tools are attached.
// When the tools attach late and miss the page, Firefox is started again
// with a longer wait.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PREFS = {
  'devtools.netmonitor.har.enableAutoExportToFile': true,
  'devtools.netmonitor.har.defaultFileName': 'export',
  'devtools.netmonitor.har.includeResponseBodies': true,
  'devtools.toolbox.selectedTool': 'netmonitor',
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'app.update.disabledForTesting': true,
};

/** Milliseconds the start page waits for the developer tools to attach, per attempt. */
const ATTACH_MS = [4000, 10_000];

export function firefoxHarExporter() {
  let answerHold = null;
  const gif = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');
  return {
    /** Markup for the page under test: keeps its load event back until `/__har/done`. */
    hold: '<img src="/__har/hold" alt="">',

    /** Answers the exporter's own routes; false for every other request. */
    handle(req, res) {
      if (req.url.startsWith('/__har/start?')) {
        const query = new URLSearchParams(req.url.slice('/__har/start?'.length));
        const to = JSON.stringify(query.get('to'));
        const wait = Number(query.get('wait'));
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><link rel="icon" href="data:,"><script>setTimeout(() => (location.href = ${to}), ${wait})</script>`);
        return true;
      }
      if (req.url === '/__har/hold') {
        answerHold = () => res.writeHead(200, { 'content-type': 'image/gif' }).end(gif);
        return true;
      }
      if (req.url === '/__har/done') {
        res.writeHead(204).end();
        // A moment for the page's last requests to end before it counts as loaded.
        setTimeout(() => answerHold?.(), 300);
        return true;
      }
      return false;
    },

    /** How many times `run` started Firefox (each one loads the page once). */
    attempts: 0,

    /** Opens `origin + pagePath` in Firefox; resolves with the HAR it exported. */
    async run(origin, pagePath, { timeoutMs = 30_000 } = {}) {
      for (const [attempt, wait] of ATTACH_MS.entries()) {
        this.attempts = attempt + 1;
        const har = await this.attempt(origin, pagePath, wait, timeoutMs);
        if (har) return har;
        console.error(`Firefox exported no HAR (attempt ${attempt + 1}, tools given ${wait} ms to attach)`);
      }
      throw new Error(`Firefox exported no HAR in ${ATTACH_MS.length} attempts`);
    },

    /** One run of Firefox: the HAR, or null when none was written in `timeoutMs`. */
    async attempt(origin, pagePath, wait, timeoutMs) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'wsframe-firefox-har-'));
      const profile = path.join(dir, 'profile');
      const out = path.join(dir, 'har');
      const prefs = { ...PREFS, 'devtools.netmonitor.har.defaultLogDir': out };
      mkdirSync(profile);
      writeFileSync(path.join(profile, 'user.js'), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));
      const start = `${origin}/__har/start?${new URLSearchParams({ to: pagePath, wait: String(wait) })}`;
      const firefox = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, '--devtools', start], { stdio: 'ignore', detached: true });
      const exited = new Promise((resolve) => firefox.once('exit', resolve));
      const file = path.join(out, 'export.har');
      try {
        const deadline = Date.now() + timeoutMs;
        while (!existsSync(file) || !isWhole(file)) {
          if (Date.now() > deadline) return null;
          if (firefox.exitCode !== null) throw new Error(`Firefox exited (${firefox.exitCode}) before writing a HAR`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return JSON.parse(readFileSync(file, 'utf8'));
      } finally {
        try {
          process.kill(-firefox.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        try {
          process.kill(-firefox.pid, 'SIGKILL');
        } catch {
          // Ended on SIGTERM.
        }
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Whether the HAR file is written out (it appears before its last byte). */
function isWhole(file) {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}
