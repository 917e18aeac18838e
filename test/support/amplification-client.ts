/**
 * The client side of test/unit/rpc/amplification.test.ts, run in a process of its own so that its
 * peak RSS growth is the attacks' alone (an earlier spike in a shared process would mask it).
 *
 * Argument: JSON `{ hostilePort, healthyPort, phase, attacks }`. With phase `before-login` it opens
 * `attacks` connections to the hostile daemon; with `after-login` it logs in once and makes `attacks`
 * `core.bomb` calls. Meanwhile a client of the healthy daemon (in this same process) keeps calling
 * `core.echo`. Prints JSON `{ outcomes, growthMiB, bystanderCalls }`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DelugeClient } from '../../src/rpc/client.js';
import { DelugeLimitError } from '../../src/rpc/errors.js';

interface Plan {
  readonly hostilePort: number;
  readonly healthyPort: number;
  readonly phase: 'before-login' | 'after-login';
  readonly attacks: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;
const clientOf = (port: number) =>
  new DelugeClient({ host: '127.0.0.1', port, username: 'admin', password: 'admin-secret' });
const outcomeOf = (error: unknown) =>
  error instanceof DelugeLimitError ? `refused: ${error.limit}` : `failed: ${String(error)}`;

// The bystander's connection, login and first call load the TLS, framing and decoding code: not the attacks' cost.
const bystander = clientOf(plan.healthyPort);
await bystander.call({ method: 'core.echo', args: ['warm-up'] });
let running = true;
let bystanderCalls = 0;
const calling = (async () => {
  while (running) {
    const answer = await bystander.call<string[]>({ method: 'core.echo', args: ['still here'] });
    if (answer[0] !== 'still here') throw new Error(`the bystander got ${JSON.stringify(answer)}`);
    bystanderCalls++;
    await sleep(2);
  }
})();

const hostile = clientOf(plan.hostilePort);
if (plan.phase === 'after-login') await hostile.connect();
const baseline = peakRssMiB();
const outcomes: string[] = [];
for (let attack = 0; attack < plan.attacks; attack++) {
  if (plan.phase === 'before-login') {
    const client = clientOf(plan.hostilePort);
    outcomes.push(await client.connect().then(() => 'connected', outcomeOf));
    await client.close();
  } else {
    outcomes.push(
      await hostile
        .call<unknown[]>({ method: 'core.bomb', args: [] })
        .then((value) => `decoded ${value.length} items`, outcomeOf),
    );
  }
}
const growthMiB = peakRssMiB() - baseline;
running = false;
await calling;
await Promise.all([hostile.close(), bystander.close()]);
process.stdout.write(JSON.stringify({ outcomes, growthMiB, bystanderCalls }));
