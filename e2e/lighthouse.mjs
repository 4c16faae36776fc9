// Lighthouse (mobile preset, simulated slow 4G and a 4× slower CPU) on the landing page and on
// every lab's page of the built site, served gzipped as a static host would: node lighthouse.mjs
//
// It prints each page's figures beside the targets and keeps them in screenshots/lighthouse.txt.
// The performance figures are measurements of this machine, reported rather than judged; the
// accessibility score is judged (it does not depend on the machine).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = 4176;
const dist = new URL('../dist/', import.meta.url).pathname;
const pages = ['', ...readdirSync(dist, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(dist, e.name, 'index.html')))
  .map((e) => `${e.name}/`)];
const flags = '--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run ' +
  '--disable-background-networking --disable-component-update --disable-sync';

const server = spawn('node', ['serve.mjs', dist, String(port)], { stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 500));
const scratch = mkdtempSync(join(tmpdir(), 'lighthouse-'));
const rows = [];
let failed = false;
try {
  for (const page of pages) {
    const out = join(scratch, 'report.json');
    execFileSync('npx', ['lighthouse', `http://127.0.0.1:${port}/${page}`, '--quiet', `--chrome-flags=${flags}`,
      '--output=json', `--output-path=${out}`, '--only-categories=performance,accessibility'],
    { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, stdio: 'ignore' });
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const audit = (id) => report.audits[id].numericValue;
    const landing = page === '';
    const row = {
      page: landing ? 'landing page' : page.slice(0, -1),
      performance: report.categories.performance.score,
      lcp: audit('largest-contentful-paint') / 1000,
      tbt: audit('total-blocking-time'),
      cls: audit('cumulative-layout-shift'),
      accessibility: report.categories.accessibility.score,
      lcpTarget: landing ? 1.2 : 2.0,
    };
    rows.push(row);
    if (row.accessibility < 1) failed = true;
  }
} finally {
  server.kill();
  rmSync(scratch, { recursive: true, force: true });
}

const lines = [
  'Lighthouse 12, mobile preset, served gzipped (targets: performance ≥ 0.95; LCP ≤ 2.0 s, landing ≤ 1.2 s)',
  `${'page'.padEnd(14)} ${'perf'.padStart(5)} ${'LCP'.padStart(7)} ${'TBT'.padStart(8)} ${'CLS'.padStart(6)} ${'a11y'.padStart(5)}`,
  ...rows.map((r) => {
    const meets = r.performance >= 0.95 && r.lcp <= r.lcpTarget ? 'meets the targets' : 'MISSES a target';
    return `${r.page.padEnd(14)} ${r.performance.toFixed(2).padStart(5)} ${(r.lcp.toFixed(2) + ' s').padStart(7)} ` +
      `${(Math.round(r.tbt) + ' ms').padStart(8)} ${r.cls.toFixed(3).padStart(6)} ${r.accessibility.toFixed(2).padStart(5)}  ${meets}`;
  }),
];
console.log(lines.join('\n'));
writeFileSync(new URL('screenshots/lighthouse.txt', import.meta.url), lines.join('\n') + '\n');
if (failed) {
  console.error('Lighthouse found accessibility problems (score below 1) on a page above.');
  process.exit(1);
}
