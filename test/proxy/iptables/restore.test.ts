// Integration with the real iptables (Debian package `iptables`), each run inside a fresh
// network namespace (`unshare -n`) so the host's rules are never touched:
//  1. `iptables-restore --test` (and the -nft / -legacy variants) accept every dump;
//  2. restoring a dump and running iptables-save gives the same text back;
//  3. replaying kube-proxy's own steps — canary chains, its "ensure rule" jumps, then
//     upstream's expected TestOverallIPTablesRules restore input — gives our golden dump.
// Skipped, with the reason printed, without root, the binaries, or kernel support.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { renderIptables } from '../../../proxy/iptables/writer.js';
import { ServiceProxyModel } from '../../../proxy/model.js';
import { overall, type Scenario, scenarios } from './scenarios.js';

const testdata = new URL('../testdata/', import.meta.url);

function have(cmd: string, ...args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

/** Runs a shell script in a new network namespace, with `input` on stdin. */
function inNetns(script: string, input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('unshare', ['-n', 'sh', '-ec', script], { input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (iptables-restore --test and unshare -n)';
  if (!have('iptables-restore', '--version')) return 'iptables-restore not found (apt-get install -y iptables)';
  const probe = inNetns('iptables-save >/dev/null');
  if (probe.status !== 0) return `cannot use iptables in a new network namespace: ${probe.stderr.trim() || 'unshare failed'}`;
  return null;
}

const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'];

/** Shell lines creating the nfacct counters a scenario's rules name, or null when impossible. */
function nfacctSetup(sc: Scenario): string | null {
  if (!sc.config.nfacct) return '';
  if (!have('nfacct', 'list')) return null;
  return NFACCT_COUNTERS.map((c) => `nfacct add ${c}`).join('\n');
}

const dump = (sc: Scenario) => renderIptables(ServiceProxyModel.fromObjects(sc.objects), sc.node, sc.config).text;
const withoutComments = (s: string) => s.split('\n').filter((l) => !l.startsWith('#')).join('\n');

describe('proxy/iptables with the real iptables-restore', function () {
  this.timeout(30000);
  const reason = unavailable();
  before(function () {
    if (reason !== null) {
      console.log(`    skipped: ${reason}`);
      this.skip();
    }
  });

  for (const variant of ['iptables-restore', 'iptables-nft-restore', 'iptables-legacy-restore']) {
    for (const sc of scenarios) {
      it(`${variant} --test accepts ${sc.name}`, function () {
        if (!have(variant, '--version')) {
          console.log(`    skipped: ${variant} not installed`);
          this.skip();
        }
        const setup = nfacctSetup(sc);
        if (setup === null) {
          console.log('    skipped: nfacct counters needed (apt-get install -y nfacct)');
          this.skip();
        }
        const r = inNetns(`${setup}\n${variant} --test`, dump(sc));
        if (r.status !== 0 && /insmod|Could not fetch rule set generation id|Protocol not supported/.test(r.stderr)) {
          console.log(`    skipped: kernel refused ${variant}: ${r.stderr.trim()}`);
          this.skip();
        }
        assert.equal(r.status, 0, r.stderr);
      });
    }
  }

  it('the checks are not vacuous: broken dumps are rejected', () => {
    const good = dump(scenarios[1]!);
    const bogusMatch = good.replace('-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS', '-m bogusmatch -j KUBE-NODEPORTS');
    assert.notEqual(inNetns('iptables-restore --test', bogusMatch).status, 0);
    // iptables-nft-restore --test does not resolve jump targets; a real restore does.
    const undeclared = good.replace(/^:KUBE-MARK-MASQ - \[0:0\]\n/m, '');
    assert.notEqual(inNetns('iptables-restore', undeclared).status, 0);
  });

  for (const sc of scenarios) {
    it(`restore then iptables-save gives ${sc.name} back unchanged`, function () {
      const setup = nfacctSetup(sc);
      if (setup === null || !have('iptables-nft-save', '--version')) {
        console.log('    skipped: needs iptables-nft-save and nfacct');
        this.skip();
      }
      const text = dump(sc);
      const r = inNetns(`${setup}\niptables-nft-restore\niptables-nft-save`, text);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(withoutComments(r.stdout), text);
    });
  }

  it("kube-proxy's own steps with upstream's expected restore input give the golden dump", function () {
    const setup = nfacctSetup(overall);
    if (setup === null || !have('iptables-nft-save', '--version')) {
      console.log('    skipped: needs iptables-nft-save and nfacct');
      this.skip();
    }
    // pkg/proxy/iptables/proxier.go: Monitor creates the canaries; each full sync ensures
    // iptablesJumpChains then iptablesKubeletJumpChains with "-I chain 1" when missing.
    const ensure = (table: string, dst: string, src: string, args: string) =>
      `iptables-nft -t ${table} -N ${dst} 2>/dev/null || true\niptables-nft -t ${table} -C ${src} ${args} -j ${dst} 2>/dev/null || iptables-nft -t ${table} -I ${src} 1 ${args} -j ${dst}`;
    const ctNew = '-m conntrack --ctstate NEW';
    const c = (s: string) => `-m comment --comment "${s}"`;
    const script = [
      setup,
      ...['mangle', 'nat', 'filter'].map((t) => `iptables-nft -t ${t} -N KUBE-PROXY-CANARY`),
      ensure('filter', 'KUBE-EXTERNAL-SERVICES', 'INPUT', `${ctNew} ${c('kubernetes externally-visible service portals')}`),
      ensure('filter', 'KUBE-EXTERNAL-SERVICES', 'FORWARD', `${ctNew} ${c('kubernetes externally-visible service portals')}`),
      ensure('filter', 'KUBE-NODEPORTS', 'INPUT', c('kubernetes health check service ports')),
      ensure('filter', 'KUBE-SERVICES', 'FORWARD', `${ctNew} ${c('kubernetes service portals')}`),
      ensure('filter', 'KUBE-SERVICES', 'OUTPUT', `${ctNew} ${c('kubernetes service portals')}`),
      ensure('filter', 'KUBE-FORWARD', 'FORWARD', c('kubernetes forwarding rules')),
      ensure('filter', 'KUBE-PROXY-FIREWALL', 'INPUT', `${ctNew} ${c('kubernetes load balancer firewall')}`),
      ensure('filter', 'KUBE-PROXY-FIREWALL', 'OUTPUT', `${ctNew} ${c('kubernetes load balancer firewall')}`),
      ensure('filter', 'KUBE-PROXY-FIREWALL', 'FORWARD', `${ctNew} ${c('kubernetes load balancer firewall')}`),
      ensure('nat', 'KUBE-SERVICES', 'OUTPUT', c('kubernetes service portals')),
      ensure('nat', 'KUBE-SERVICES', 'PREROUTING', c('kubernetes service portals')),
      ensure('nat', 'KUBE-POSTROUTING', 'POSTROUTING', c('kubernetes postrouting rules')),
      ensure('filter', 'KUBE-FIREWALL', 'INPUT', ''),
      ensure('filter', 'KUBE-FIREWALL', 'OUTPUT', ''),
      'iptables-nft-restore --noflush --counters',
      'iptables-nft-save',
    ].join('\n');
    const r = inNetns(script, readFileSync(new URL('upstream-overall.restore.txt', testdata), 'utf8'));
    assert.equal(r.status, 0, r.stderr);
    const golden = readFileSync(new URL('upstream-overall.txt', testdata), 'utf8');
    assert.equal(withoutComments(r.stdout), golden);
    assert.equal(dump(overall), golden);
  });
});
