// The site: the landing page, a page per lab, old links sent on to their lab's page, and no
// accessibility findings on any page in either theme.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { openLab } from './support.mjs';

/** What shows once a lab's page has drawn, below the fold too: the line under every lab. */
const drawn = '.run-facts';

/** Every lab on the landing page, in order: its title and its page's folder. */
async function labsOnLanding(page) {
  await page.goto('./');
  return page.locator('.lab-card h3 a').evaluateAll((links) =>
    links.map((a) => ({ title: a.textContent, slug: a.getAttribute('href').replace(/\/$/, '') })));
}

const axeSource = readFileSync(new URL('../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

test('the landing page shows every lab, its picture and its presets, without wasm', async ({ page }) => {
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url()); });
  const labs = await labsOnLanding(page);
  await expect(page.getByRole('navigation', { name: 'Labs' }).getByRole('link')).toHaveText(labs.map((l) => l.title));
  expect(labs.length).toBeGreaterThan(5);
  const cards = page.locator('.lab-card');
  for (const [i, lab] of labs.entries()) {
    const card = cards.nth(i);
    await expect(card.getByRole('heading', { level: 3 })).toHaveText(lab.title);
    await expect(card.locator('svg.pic')).toBeVisible();
    expect(await card.locator('.presets a').count()).toBeGreaterThan(1);
  }
  await expect(page.getByRole('heading', { name: 'Share and embed a run' })).toBeVisible();
  expect(wasm).toEqual([]);
  await page.screenshot({ path: 'screenshots/landing.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: 'screenshots/landing-phone-dark.png', fullPage: true });
});

test('a preset on the landing page opens its lab at that preset', async ({ page }) => {
  await page.goto('./');
  const card = page.locator('.lab-card').filter({ hasText: 'Paxos' });
  await card.getByRole('link', { name: 'Duelling proposers' }).click();
  await expect(page).toHaveURL(/\/paxos\/#s=/);
  await expect(page.locator('svg.topology')).toBeVisible();
  await expect(page.locator('.preset select option:checked')).toHaveText('Duelling proposers');
  // The other labs are a link away, and the brand leads back to the landing page.
  await page.getByRole('navigation', { name: 'Labs' }).getByRole('link', { name: 'Gossip' }).click();
  await expect(page).toHaveURL(/\/gossip\/$/);
  await expect(page.locator('svg.topology')).toBeVisible();
  await page.getByRole('link', { name: 'Netsplit: every lab' }).click();
  await expect(page.locator('.lab-card').first()).toBeVisible();
});

test('old links (#slug, #s=…, embedded) open the same run on the lab\'s own page', async ({ page }) => {
  await page.goto('./#paxos');
  await expect(page).toHaveURL(/\/paxos\/$/);
  await expect(page.locator('svg.topology')).toBeVisible();

  // Every lab's first preset, as a link to the front page.
  const labs = await labsOnLanding(page);
  const codes = await page.locator('.lab-card').evaluateAll((cards) =>
    cards.map((c) => c.querySelector('.presets a').getAttribute('href')));
  for (const [i, href] of codes.entries()) {
    const [slug, fragment] = href.split('/');
    expect(slug).toBe(labs[i].slug);
    await page.goto('about:blank');
    await openLab(page, `./${fragment}`, { drawn });
    await expect(page).toHaveURL(new RegExp(`/${slug}/${fragment}$`));
    await expect(page.locator('.preset select option:checked')).not.toHaveText(/this (run|execution|history)/);
  }

  // A link the documentation site embedded before labs had pages (format 1, Paxos).
  const search = '?embed=1&controls=play';
  const hash = '#s=AQAEIAIDAJADZAAUUAAAAsgBBgAAAAFByAEGAQAAAULwLgAAAA';
  await page.goto('about:blank');
  await openLab(page, `./${search}${hash}`);
  await expect(page).toHaveURL((url) => url.pathname.endsWith('/paxos/') && url.search === search && url.hash === hash);
  await expect(page.locator('.lab.paxos.embedded')).toBeVisible();

  // A lab's page handed another lab's link sends it on.
  await openLab(page, `./raft/${codes[3].slice(codes[3].indexOf('#'))}`);
  await expect(page).toHaveURL(/\/gossip\/#s=/);
  await expect(page.locator('.lab.gossip')).toBeVisible();
});

/** Runs axe-core on the page and returns its findings, one line each. */
async function axeFindings(page) {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} — ${n.failureSummary.split('\n')[1] ?? ''}`));
}

for (const colorScheme of ['light', 'dark']) {
  test(`no accessibility findings on any page, ${colorScheme} theme`, async ({ browser }) => {
    test.setTimeout(120_000);
    const page = await browser.newPage({ colorScheme });
    const findings = [];
    await page.goto('./');
    findings.push(...(await axeFindings(page)).map((f) => `landing: ${f}`));
    for (const lab of await labsOnLanding(page)) {
      await openLab(page, `./${lab.slug}/`, { drawn });
      findings.push(...(await axeFindings(page)).map((f) => `${lab.slug}: ${f}`));
      // A node or event selected, and the shortcut list open.
      await page.keyboard.press('0');
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog')).toBeVisible();
      findings.push(...(await axeFindings(page)).map((f) => `${lab.slug} (help open): ${f}`));
    }
    expect(findings, findings.join('\n')).toEqual([]);
  });
}
