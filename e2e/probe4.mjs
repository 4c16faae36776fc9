import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu'] });
const p = await b.newPage({ viewport: { width: 412, height: 823 } });
const cdp = await p.context().newCDPSession(p);
await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
await p.goto('http://127.0.0.1:4173/' + process.argv[2]);
await p.waitForTimeout(Number(process.argv[3] || 1200));
const { profile } = await cdp.send('Profiler.stop');
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const self = new Map(), incl = new Map();
profile.samples.forEach((id, i) => {
  const d = profile.timeDeltas[i] / 1000;
  const n = byId.get(id); const k = n.callFrame.functionName || '(anon)';
  self.set(k, (self.get(k) || 0) + d);
  const seen = new Set(); let cur = id;
  while (cur !== undefined) { const f = byId.get(cur).callFrame.functionName || '(anon)'; if (!seen.has(f)) { incl.set(f, (incl.get(f) || 0) + d); seen.add(f); } cur = parent.get(cur); }
});
console.log('--- inclusive'); for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(v.toFixed(0).padStart(6), k.slice(0, 140));
await b.close();
