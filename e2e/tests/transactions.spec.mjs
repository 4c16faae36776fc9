// The Transactions lab, driven as a person would: presets, a transfer by key, a crash by click,
// the participants' cards and the transactions table, and the checks the presets make fire.
import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { measureFrames, openLab, playUntil, preset } from './support.mjs';

const shots = 'screenshots';
mkdirSync(shots, { recursive: true });

const open = (page, path = './transactions/') => openLab(page, path);
const node = (page, id) => page.locator(`g.node[aria-label^="n${id},"]`);
const log = (page) => page.locator('.log ol');
const check = (page, name) => page.locator('.invariants .properties > li', { hasText: name });
const rows = (page) => page.locator('.txn-table tbody tr');

test('the lab loads with a coordinator, three participants and the auditor, and commits', async ({ page }) => {
  const errors = await open(page);
  await expect(page.locator('h1')).toHaveText('Transactions');
  await expect(page.locator('g.node')).toHaveCount(5);
  await expect(node(page, 0)).toHaveAttribute('aria-label', /coordinator/);
  await expect(node(page, 4)).toHaveAttribute('aria-label', /auditor/);
  await page.keyboard.press('e');
  await expect(log(page)).toContainText('n0 logs its decision: commit t0');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('commit by n0');
  await expect(rows(page).first()).toContainText('n1 committed, n2 committed, n3 committed');
  // The coordinator's card, then one per participant, each with its log.
  await expect(page.locator('.txn-card')).toHaveCount(4);
  await expect(page.locator('.txn-card').first()).toContainText('decided commit t0');
  await expect(page.locator('.txn-card').nth(1)).toContainText('a 60 · b 100');
  await expect(page.locator('.txn-card').nth(1).locator('.log li')).toHaveText(['prepared t0 n1a -40', 'committed t0']);
  // Its phases drawn in true time, and said in words.
  await expect(rows(page).first().locator('.phase-bar')).toHaveAttribute('aria-label', /voting from 0\.5 s to 0\.625 s, committing until 0\.752 s/);
  await expect(page.locator('.invariants .properties > li')).toHaveCount(3);
  await page.screenshot({ path: `${shots}/transactions.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('2PC blocks: with the coordinator down the participants stay in doubt, holding their locks', async ({ page }) => {
  await open(page);
  await preset(page, '2PC: the coordinator crashes');
  await playUntil(page, 3);
  await expect(node(page, 0)).toHaveAttribute('aria-label', /crashed/);
  for (const id of [1, 2, 3]) {
    await expect(node(page, id)).toHaveAttribute('aria-label', /holding n\d[ab] for t0, in doubt/);
  }
  await expect(page.locator('.txn-card.doubt')).toHaveCount(3);
  await expect(page.locator('.txn-card .doubt-clock').first()).toContainText('in doubt for');
  await page.screenshot({ path: `${shots}/transactions-blocked.png`, fullPage: true });
  // The coordinator returns at 5 s, finds no decision in its log, and aborts.
  await page.keyboard.press('e');
  await expect(rows(page).first()).toContainText('abort by n0');
  await expect(page.locator('.txn-card.doubt')).toHaveCount(0);
  // The same crash under each protocol: only 2PC waits seconds in doubt.
  const compared = page.locator('.txn-compare tbody tr');
  await expect(compared).toHaveCount(3);
  await expect(compared.nth(0)).toContainText('two-phase commit (this run)');
  await expect(compared.nth(0)).toContainText(/4\.\d+ s/);
  await expect(compared.nth(2)).toContainText('1 completed');
  await page.locator('.txn-compare').screenshot({ path: `${shots}/transactions-compare.png` });
});

test('3PC under a partition: two decisions, and atomicity breaks', async ({ page }) => {
  await open(page);
  await preset(page, '3PC under a partition');
  await page.keyboard.press('e');
  await expect(check(page, 'Atomicity')).toContainText('✗ broken');
  await expect(log(page)).toContainText('n3 logs its decision: abort t0');
  await expect(rows(page).first()).toContainText('n3 aborted');
  await expect(rows(page).first()).toHaveClass(/flagged/);
  await page.screenshot({ path: `${shots}/transactions-split.png`, fullPage: true });
});

test('a saga compensates in reverse, and a reader sees money in flight', async ({ page }) => {
  await open(page);
  await preset(page, 'Saga fails at step 3');
  await page.keyboard.press('e');
  await expect(log(page)).toContainText('n1 refuses saga t0 step 3');
  await expect(log(page)).toContainText('n2 compensates saga t0 step 1');
  await expect(rows(page).first()).toContainText('compensated');
  await expect(page.locator('.invariants .properties > li')).toHaveCount(2);
  await preset(page, 'Saga: a reader sees money in flight');
  await page.keyboard.press('e');
  await expect(page.locator('.txn-participants .hint')).toContainText(/[1-9]\d* of its reads summed to something other than 600/);
});

test('a transfer by key and a crash by click', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
  await page.keyboard.press('2');
  await page.keyboard.press('t');
  await expect(log(page)).toContainText('n0 is asked to transfer n2a -20, n3a +20');
  await node(page, 0).click();
  await page.getByRole('button', { name: 'Crash n0' }).click();
  await expect(node(page, 0)).toHaveAttribute('aria-label', /crashed/);
});

test('every check is made to fire by a preset', async ({ page }) => {
  await open(page);
  for (const [title, property] of [
    ['Bug: commit before every vote', 'Atomicity'],
    ['Bug: prepared kept in memory', 'Atomicity'],
    ['Bug: the decision sent once', 'Decisions are not lost'],
    ['Bug: a compensation skipped', 'Atomicity'],
    ['Bug: a retried step applied twice', 'Money is conserved'],
  ]) {
    await preset(page, title);
    await page.keyboard.press('e');
    await expect(check(page, property)).toContainText('✗ broken');
  }
});

test('a value out of range is refused with the allowed range', async ({ page }) => {
  await open(page);
  const field = page.getByRole('spinbutton', { name: 'participants', exact: true });
  await field.fill('9');
  await field.press('Enter');
  await expect(page.locator('.error')).toHaveText('participants must be between 2 and 5, got 9');
  await expect(page.locator('g.node')).toHaveCount(5);
});

test('frames stay light with five participants and forty transfers at 10×', async ({ page }) => {
  await open(page);
  for (const [label, value] of [['participants', '5'], ['transfers the coordinator makes up', '40'], ['between them (ms)', '100']]) {
    const field = page.getByRole('spinbutton', { name: label, exact: true });
    await field.fill(value);
    await field.press('Enter');
  }
  await expect(page.locator('g.node')).toHaveCount(7);
  const { p95, frames } = await measureFrames(page);
  console.log(`transactions, 5 participants and 40 transfers at 10×: frame work p95 ${p95} ms over ${frames} frames`);
  expect(frames).toBeGreaterThan(30);
});

test('every preset runs to its end without an error, and breaks only what it says', async ({ page }) => {
  const errors = await open(page);
  const titles = await page.locator('.preset select option').allTextContents();
  expect(titles.length).toBe(12);
  for (const title of titles) {
    await preset(page, title);
    await page.keyboard.press('e');
    await expect(page.locator('.transport .clock')).not.toHaveText('t = 0 s');
    const broken = await page.locator('.invariants .properties > li.broken').count();
    expect(broken > 0, title).toBe(/Bug|partition/.test(title));
  }
  expect(errors).toEqual([]);
});
