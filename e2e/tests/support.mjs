// What every browser test does: open a lab and collect its errors, read the clock, play.
import { expect } from '@playwright/test';

/**
 * Opens `path` (a lab's `#slug`, or any page) and waits until `drawn` is visible; returns the
 * console errors and page errors seen from then on.
 */
export async function openLab(page, path, { drawn = 'svg.topology', reducedMotion } = {}) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  if (reducedMotion) await page.emulateMedia({ reducedMotion });
  await page.goto(path);
  await expect(page.locator(drawn)).toBeVisible();
  return errors;
}

/** The lab's virtual time in seconds, as the transport bar shows it. */
export const seconds = async (page) => parseFloat((await page.locator('.transport .clock').textContent()).slice(4));

/** Picks the preset called `label`. */
export const preset = (page, label) => page.locator('.preset select').selectOption({ label });

/** Plays at 10× until virtual time reaches `t` seconds, then pauses. */
export async function playUntil(page, t) {
  await page.locator('.transport input[type=range]').fill('8');
  if (await page.getByRole('button', { name: /Play/ }).count()) {
    await page.getByRole('button', { name: /Play/ }).click();
  }
  await expect.poll(() => seconds(page), { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(t);
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
}

/**
 * Plays at 10× for five seconds of real time and reads the lab's own frame timing (simulate and
 * draw), as shown under the lab: `{ p95, frames }`.
 */
export async function measureFrames(page) {
  await page.locator('.transport input[type=range]').fill('8');
  if (await page.getByRole('button', { name: /Play/ }).count()) {
    await page.getByRole('button', { name: /Play/ }).click();
  }
  await page.waitForTimeout(5000);
  await page.getByRole('button', { name: /❚❚ Pause/ }).click();
  const facts = await page.locator('.run-facts').textContent();
  const [, p95, frames] = facts.match(/frame work p95: ([0-9.]+) ms over (\d+) frames/);
  return { p95, frames: Number(frames) };
}
