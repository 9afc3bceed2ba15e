import { preparePostgres, postgresServerUrl } from './databases.ts';
import { SIZES } from './dataset.ts';
import { SCALE_SIZE } from './scale.ts';
const server = postgresServerUrl();
const log = (l: string) => console.log(l);
for (const [name, size] of [
  ['rg_bench', SIZES.full],
  ['rg_bench_scale', SCALE_SIZE],
  ['rg_bench_quick', SIZES.quick],
] as const) {
  const t = Date.now();
  const r = await preparePostgres(server, name, size, { fresh: false, log });
  console.log(name, r.reused ? 'reused' : 'loaded', (Date.now() - t) / 1000, 's');
}
