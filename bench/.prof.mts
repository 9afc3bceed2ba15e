import { readFileSync } from 'node:fs';
const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const nodes = new Map<number, any>(); for (const n of prof.nodes) nodes.set(n.id, n);
const self = new Map<number, number>();
const dt = prof.timeDeltas; for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byPkg = new Map<string, number>(); const byFn = new Map<string, number>();
for (const [id, t] of self) { const n = nodes.get(id); const u: string = n.callFrame.url || '(native)';
  const m = u.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const pkg = m ? m[1] : u.includes('/src/') || u.includes('dist/server') ? 'ours:' + u.split('/').slice(-1)[0] : u.startsWith('node:') ? 'node' : n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
  const f = `${n.callFrame.functionName || '(anon)'} ${u.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`; byFn.set(f, (byFn.get(f) ?? 0) + t); }
const show = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).forEach(([n, t]) => console.log((100 * t / total).toFixed(1).padStart(5), n));
console.log('total ms', (total / 1000).toFixed(0)); show(byPkg, 25); console.log('---'); show(byFn, 45);
