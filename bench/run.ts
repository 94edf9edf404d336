// `npm run bench -- NAME [NAME...]`: runs the named benchmarks (all when none is named) and
// prints each one's figures. Benchmarks measure; they never fail the build.

interface Bench {
  describe: string;
  run(): Promise<unknown>;
}

const BENCHES: Record<string, Bench> = {
  store: {
    describe: '150,000 pods + 10,000 services into the memory store; list by label; heap',
    run: async () => (await import('./store.js')).benchStore(),
  },
  proxy: {
    describe: 'kube-proxy iptables: full dump for 10,000 services × 10 endpoints; one endpoint change at 30,000 services',
    run: async () => (await import('./proxy.js')).benchProxy(),
  },
  netfilter: {
    describe: 'flow decisions/s through the faithful rule walk and the compiled fast path at 10,000 services; rules iptables checks per flow',
    run: async () => (await import('../netns/netfilter/bench.js')).benchNetfilter(),
  },
  reconcile: {
    describe: 'empty to steady state: 1,000 nodes / 30,000 pods, then 5,000 nodes / 150,000 pods (NETSIM_BENCH_SHAPE=a|b)',
    run: async () => (await import('./reconcile.js')).benchReconcile(),
  },
  dns: {
    describe: 'dnsperf against `netsim dns serve` (10,000 services, 150,000 records), NSD side by side',
    run: async () => (await import('./dns.js')).benchDns(),
  },
};

export async function main(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('-'));
  if (argv.includes('--help') || argv.includes('-h')) {
    for (const [n, b] of Object.entries(BENCHES)) process.stdout.write(`${n.padEnd(10)} ${b.describe}\n`);
    return 0;
  }
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length) {
    process.stderr.write(`error: unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  for (const n of names.length ? names : Object.keys(BENCHES)) {
    process.stdout.write(`== ${n}: ${BENCHES[n]!.describe}\n`);
    const result = await BENCHES[n]!.run();
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
