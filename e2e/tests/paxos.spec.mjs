// The Paxos lab, driven as a person would, with screenshots to look at.
import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openLab, preset } from './support.mjs';

const shots = 'screenshots';
mkdirSync(shots, { recursive: true });

const open = (page) => openLab(page, './paxos/');
const toEnd = (page) => page.getByRole('button', { name: 'To end' }).click();
const chosen = (page) => page.locator('.acceptors tr.chosen-row td.chosen-cell');
const log = (page) => page.locator('.log ol');

// Every preset: the values chosen in its slots (with a bug, the first value chosen) and how
// many properties break.
const presets = [
  ['One proposer', ['★ A'], 0],
  ['Duelling proposers', ['★ B'], 0],
  ['Proposer crashes after phase 1', ['★ B'], 0],
  ["A minority's value is carried forward", ['★ A'], 0],
  ['Multi-Paxos: one leader, many slots', ['★ A', '★ B', '★ C', '★ D'], 0],
  ['Multi-Paxos: leader crash, gap filled', ['★ A', '★ no-op', '★ C', '★ D'], 0],
  ['Bug: ignore accepted values', ['★ A'], 2],
  ['Bug: accept below the promise', ['★ A'], 3],
];

test('every preset runs to its chosen values', async ({ page }) => {
  const errors = await open(page);
  for (const [label, values, broken] of presets) {
    await preset(page, label);
    await toEnd(page);
    await expect(chosen(page), label).toHaveText(values);
    await expect(page.locator('.invariants li.broken'), label).toHaveCount(broken);
  }
  expect(errors).toEqual([]);
});

test('one proposer: both phases by keyboard, the chosen value marked before learners know', async ({ page }) => {
  const errors = await open(page);
  await preset(page, 'One proposer');
  // Step event by event until the table shows a chosen value, then read the findings.
  for (let i = 0; i < 60 && (await chosen(page).first().textContent()) === '—'; i++) {
    await page.keyboard.press('.');
  }
  await expect(chosen(page).first()).toHaveText('★ A');
  await expect(page.locator('.invariants')).toContainText('no learner knows yet');
  await expect(page.locator('g.msg.accepted').first()).toBeVisible();
  await expect(page.locator('g.msg .msg-tag').first()).toContainText('1.0');
  await page.screenshot({ path: `${shots}/paxos.png`, fullPage: true });
  await toEnd(page);
  await expect(page.locator('.invariants')).toContainText('learned by n0');
  await expect(page.locator('.ballot-table tbody tr')).toHaveCount(1);
  await expect(page.locator('.ballot-table tbody tr').first()).toContainText('slot 1 = A: 3 accepted ★ chosen');

  // Propose B from the keyboard and play on: the new ballot finds A and carries it forward.
  await page.keyboard.press('0');
  await page.keyboard.press('p');
  await expect(log(page)).toContainText('n0 is asked to propose B');
  await page.locator('.transport input[type=range]').fill('8');
  await page.getByRole('button', { name: /Play/ }).click();
  await expect(log(page)).toContainText('n0 asks to accept A in slot 1 under ballot 2.0, carried forward from ballot 1.0', { timeout: 20_000 });
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
  await expect(page.locator('.ballot-table tbody tr')).toHaveCount(2);
  await expect(chosen(page)).toHaveText(['★ A']);
  await expect(page.locator('.invariants li.holds')).toHaveCount(5);
  expect(errors).toEqual([]);
});

test('duelling proposers: ballots outbid each other, then one value wins', async ({ page }) => {
  await open(page);
  await preset(page, 'Duelling proposers');
  await toEnd(page);
  const rows = page.locator('.ballot-table tbody tr');
  await expect(rows).toHaveCount(5);
  await expect(page.locator('.ballot-table tr.abandoned')).not.toHaveCount(0);
  await expect(log(page)).toContainText('promised');
  await page.screenshot({ path: `${shots}/paxos-duel.png`, fullPage: true });
});

test('a bug toggle is caught: the violation names ballots and values, and is highlighted', async ({ page }) => {
  const errors = await open(page);
  await preset(page, 'Bug: ignore accepted values');
  await expect(page.locator('.params select').nth(1)).toHaveValue('ignore-accepted-values');
  await toEnd(page);
  const broken = page.locator('.invariants li.broken');
  // Caught at the proposal (P2b), and again when a majority accepts the wrong value.
  await expect(broken).toHaveCount(2);
  await expect(broken.filter({ hasText: 'Chosen values stay' })).toContainText('the higher ballot 1.1 proposes B');
  const agreement = broken.filter({ hasText: 'Agreement' });
  await expect(agreement).toContainText('A was chosen under ballot 1.0');
  await expect(agreement).toContainText('B is chosen under ballot 1.1');
  await expect(page.locator('.acceptors td.entry.flagged').first()).toBeVisible();
  await expect(page.locator('g.node.flagged').first()).toBeVisible();
  await page.screenshot({ path: `${shots}/paxos-bug.png`, fullPage: true });

  // The same run without the bug: B is never proposed and every check holds.
  await page.locator('.params select').nth(1).selectOption('none');
  await toEnd(page);
  await expect(page.locator('.invariants li.holds')).toHaveCount(5);
  await expect(log(page)).toContainText('carried forward from ballot 1.0');
  expect(errors).toEqual([]);
});

test('Multi-Paxos on a phone in the dark: the leader, its slots, and the side-by-side table', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await open(page);
  await preset(page, 'Multi-Paxos: leader crash, gap filled');
  await toEnd(page);
  await expect(page.locator('g.node.leader')).toHaveCount(1);
  await expect(page.locator('g.node.leader')).toHaveAttribute('aria-label', /^n1, proposer/);
  await expect(log(page)).toContainText('filling a gap');
  await page.locator('.relation summary').click();
  await expect(page.locator('.relation')).toContainText('the election: RequestVote for a term');
  await page.screenshot({ path: `${shots}/paxos-phone-dark.png`, fullPage: true });
});

test('too many acceptors are refused with the allowed range', async ({ page }) => {
  await open(page);
  const acceptors = page.locator('.params label', { hasText: 'acceptors' }).locator('input');
  await acceptors.fill('9');
  await acceptors.press('Enter');
  await acceptors.blur();
  await expect(page.locator('.error')).toHaveText('acceptors must be between 1 and 7, got 9');
  await expect(page.locator('g.node')).toHaveCount(4);
});

test('the documentation pages embed the Paxos and CRDT labs at their shared runs', async ({ page }) => {
  await page.goto('http://127.0.0.1:4174/paxos.html');
  const paxos = page.frameLocator('iframe.netsplit').first();
  await expect(paxos.locator('svg.topology')).toBeVisible();
  await expect(paxos.locator('.app-header')).toBeHidden();
  // The panel control shows the lab's panel under the view: here the acceptors and ballots.
  await expect(paxos.locator('.ballot-table')).toBeVisible();
  await page.goto('http://127.0.0.1:4174/crdt.html');
  const crdt = page.frameLocator('iframe.netsplit').first();
  await expect(crdt.locator('.replicas .replica-card')).toHaveCount(3);
  await expect(crdt.locator('.comparison .replica-card')).toHaveCount(4);
  await page.screenshot({ path: `${shots}/docs-crdt.png`, fullPage: true });
});
