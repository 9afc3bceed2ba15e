const T = 'glpat-benchmark-admin-0000000000';
const base = process.env.BASE ?? 'http://127.0.0.1:4111';
const paths = process.argv.slice(2);
for (const p of paths) {
  const s: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    const r = p.startsWith('{') ? await fetch(`${base}/graphql`, { method: 'POST', headers: { 'PRIVATE-TOKEN': T, 'content-type': 'application/json' }, body: JSON.stringify({ query: p }) }) : await fetch(`${base}/api/v4/${p}`, { headers: { 'PRIVATE-TOKEN': T } });
    await r.arrayBuffer();
    if (i >= 10) s.push(performance.now() - t0);
  }
  s.sort((a, b) => a - b);
  console.log(s[Math.floor(s.length / 2)].toFixed(2), s[Math.floor(s.length * 0.9)].toFixed(2), p.slice(0, 80));
}
