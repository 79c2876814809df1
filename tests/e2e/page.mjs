// The inspector page for the e2e suites: its server on a free port and
// headless Chromium on it, with every page error and console error kept
// for the suite to check.
import { launchChromium } from '../js/helpers.mjs';
import { startInspectorServer } from '../../scripts/inspector-server.mjs';

export async function openInspector(pageOptions = {}) {
  const server = await startInspectorServer({ port: 0 });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, ...pageOptions });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
  const close = async () => {
    await browser.close();
    await server.close();
  };
  return { server, browser, page, problems, close };
}
