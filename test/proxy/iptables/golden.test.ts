// Whole iptables-save dumps compared with test/proxy/testdata/<scenario>.txt. Set
// UPDATE_GOLDEN=1 to rewrite them. upstream-overall.txt is what the real iptables-save
// prints after restoring upstream's expected TestOverallIPTablesRules text (see
// restore.test.ts, which re-derives it when iptables is available).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { renderIptables } from '../../../proxy/iptables/writer.js';
import { ServiceProxyModel } from '../../../proxy/model.js';
import { scenarios } from './scenarios.js';

const dir = new URL('../testdata/', import.meta.url);

describe('proxy/iptables golden iptables-save dumps', () => {
  for (const sc of scenarios) {
    it(sc.name, () => {
      const text = renderIptables(ServiceProxyModel.fromObjects(sc.objects), sc.node, sc.config).text;
      const file = new URL(`${sc.name}.txt`, dir);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
      assert.equal(text, readFileSync(file, 'utf8'));
    });
  }
});
