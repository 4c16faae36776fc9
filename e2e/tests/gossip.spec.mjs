// The Gossip lab, driven as a person would: click, tap, type, read the page, take screenshots.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { openLab } from './support.mjs';

const shots = 'screenshots';
mkdirSync(shots, { recursive: true });

const open = (page, { reducedMotion = 'no-preference' } = {}) => openLab(page, './gossip/', { reducedMotion });

const clock = (page) => page.locator('.transport .clock');
const node = (page, id) => page.locator(`g.node[aria-label^="n${id},"]`);
const log = (page) => page.locator('.log ol');
const eventsRun = async (page) =>
  Number((await page.locator('.run-facts').textContent()).match(/events run: (\d+)/)[1]);

test('the app loads with no console errors and shows the Gossip lab', async ({ page }) => {
  const errors = await open(page);
  await expect(page.locator('.brand')).toHaveAccessibleName('Netsplit: every lab');
  await expect(page.locator('nav[aria-label="Labs"] .tab')).toHaveText(['Raft', 'Paxos', 'CRDTs', 'Gossip', 'Vector clocks', 'Consistent hashing', 'Coordination', 'Transactions']);
  await expect(page.locator('g.node')).toHaveCount(6);
  await page.waitForTimeout(1500);
  await expect(page.locator('g.msg').first()).toBeVisible();
  await page.screenshot({ path: `${shots}/gossip.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('plays, pauses and steps', async ({ page }) => {
  await open(page);
  const t0 = await clock(page).textContent();
  await expect.poll(() => clock(page).textContent()).not.toBe(t0);
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
  const paused = await clock(page).textContent();
  await page.waitForTimeout(400);
  await expect(clock(page)).toHaveText(paused);
  const before = await eventsRun(page);
  await page.getByRole('button', { name: /Step/ }).click();
  await expect.poll(() => eventsRun(page)).toBe(before + 1);
  await page.keyboard.press('.');
  await expect.poll(() => eventsRun(page)).toBe(before + 2);
  // Space on a focused button presses that button; elsewhere it plays and pauses.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: /❚❚ Pause/ })).toBeVisible();
});

test('crashing a node by click and by keyboard shows in the view and the log', async ({ page }) => {
  await open(page);
  await node(page, 2).click();
  await expect(page.locator('.inspector h3')).toHaveText('n2 — up');
  await page.getByRole('button', { name: 'Crash n2' }).click();
  await expect(page.locator('g.node.down')).toHaveCount(1);
  await expect(node(page, 2)).toHaveAttribute('aria-label', 'n2, crashed');
  await expect(log(page)).toContainText('n2 crashes');

  await page.keyboard.press('4');
  await page.keyboard.press('c');
  await expect(node(page, 4)).toHaveAttribute('aria-label', 'n4, crashed');
  await expect(log(page)).toContainText('n4 crashes');

  // Tab to a node and act on it with Enter, then restart it by keyboard.
  await node(page, 4).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('button', { name: 'Restart n4' })).toBeVisible();
  await page.keyboard.press('c');
  await expect(log(page)).toContainText('n4 starts');
  await page.screenshot({ path: `${shots}/gossip-crash.png`, fullPage: true });
});

test('a crash is detected and the browser trace equals the command line trace', async ({ page }) => {
  await open(page);
  await page.locator('.preset select').selectOption({ label: 'Crash and detect' });
  await page.getByRole('button', { name: /To end/ }).click();
  await expect(clock(page)).toHaveText('t = 16 s');
  await expect(page.locator('.invariants')).toContainText('n2 crashed at 3 s: every live node suspected it');
  await expect(page.locator('.invariants .properties li.holds')).toHaveCount(2);
  const facts = await page.locator('.run-facts').textContent();
  const browserHash = facts.match(/trace hash: ([0-9a-f]{16})/)[1];

  const cli = '../target/debug/netsplit';
  test.skip(!existsSync(cli), 'the host build of the CLI is not there');
  const scenario = execFileSync(cli, ['preset', 'gossip', 'crash']);
  const summary = execFileSync(cli, ['run', '-'], { input: scenario }).toString();
  expect(summary).toContain(`trace hash ${browserHash}`);
});

test('a bug toggle is caught and the evidence highlighted', async ({ page }) => {
  await open(page);
  await page.locator('.preset select').selectOption({ label: 'Bug: refresh on any digest' });
  await page.getByRole('button', { name: /To end/ }).click();
  const broken = page.locator('.invariants li.broken');
  await expect(broken).toHaveCount(1);
  await expect(broken).toContainText('Suspects on time');
  await expect(broken.locator('.evidence')).toContainText('still trusts n2');
  await expect(page.locator('g.node.flagged').first()).toBeVisible();
  await expect(log(page)).toContainText('VIOLATION of Suspects on time');
  await page.screenshot({ path: `${shots}/gossip-bug.png`, fullPage: true });
});

test('a partition makes both sides suspect each other until it heals', async ({ page }) => {
  await open(page);
  await page.locator('.preset select').selectOption({ label: 'Calm cluster' });
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
  await page.locator('.picks label', { hasText: 'n0' }).locator('input').check();
  await page.locator('.picks label', { hasText: 'n1' }).locator('input').check();
  await page.getByRole('button', { name: 'Split' }).click();
  await expect(page.locator('.banner.partitioned')).toContainText('A: n0 n1');
  // Run on to the end of the scenario, ten virtual seconds.
  await page.getByRole('button', { name: /To end/ }).click();
  await expect(page.locator('line.arrow').first()).toBeVisible();
  await expect(log(page)).toContainText('n0 suspects n2');
  await page.screenshot({ path: `${shots}/gossip-partition.png`, fullPage: true });
  await page.getByRole('button', { name: 'Heal' }).click();
  await expect(page.locator('.banner.partitioned')).toHaveCount(0);
});

test('messages can be held, released and dropped from the keyboard', async ({ page }) => {
  await open(page);
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
  while ((await page.locator('g.msg').count()) === 0) {
    await page.keyboard.press('.');
  }
  await page.keyboard.press(']');
  await expect(page.locator('.inspector h3')).toHaveText(/^m\d+: n\d → n\d$/);
  await page.keyboard.press('h');
  await expect(page.getByRole('button', { name: 'Release' })).toBeVisible();
  await expect(page.locator('g.msg.held')).toHaveCount(1);
  await page.keyboard.press('d');
  await expect(log(page)).toContainText('is dropped: you dropped it');
});

test('out-of-range parameters are refused with the allowed range, and the lab keeps working', async ({ page }) => {
  await open(page);
  const nodes = page.locator('.params label', { hasText: 'nodes' }).locator('input');
  await nodes.fill('40');
  await nodes.press('Enter');
  await nodes.blur();
  await expect(page.locator('.error')).toHaveText('nodes must be between 2 and 12, got 40');
  await expect(page.locator('g.node')).toHaveCount(6);
  await nodes.fill('9');
  await nodes.blur();
  await expect(page.locator('g.node')).toHaveCount(9);
  await expect(page.locator('.error')).toHaveCount(0);
});

test('shortcuts are listed behind ?', async ({ page }) => {
  await open(page);
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('crash or restart the selected node');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('dark theme, reduced motion and tapping', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page, { reducedMotion: 'reduce' });
  // With reduced motion the run waits for the user.
  await expect(page.getByRole('button', { name: /Play/ })).toBeVisible();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(20, 22, 26)');
  await node(page, 1).tap();
  await expect(page.getByRole('button', { name: 'Crash n1' })).toBeVisible();
  await page.screenshot({ path: `${shots}/gossip-phone-dark.png`, fullPage: true });
});
});
