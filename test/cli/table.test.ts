import assert from 'node:assert/strict';
import { humanDuration, renderTable } from '../../lib/cli/table.js';

describe('cli/table', () => {
  it('pads columns as kubectl does, three spaces after the widest cell', () => {
    const out = renderTable(['NAME', 'READY', 'STATUS'], [['frontend-abc12', '1/1', 'Running'], ['redis', '0/1', 'Pending']]);
    assert.equal(out, 'NAME             READY   STATUS\nfrontend-abc12   1/1     Running\nredis            0/1     Pending');
  });
  it('prints ages as kubectl (duration.HumanDuration)', () => {
    const cases: [number, string][] = [[0, '0s'], [119_000, '119s'], [125_000, '2m5s'], [600_000, '10m'], [3 * 3600_000, '3h'], [3 * 3600_000 + 60_000, '3h1m'], [30 * 3600_000, '30h'], [50 * 3600_000, '2d2h'], [10 * 86400_000, '10d']];
    for (const [ms, text] of cases) assert.equal(humanDuration(ms), text, String(ms));
  });
});
