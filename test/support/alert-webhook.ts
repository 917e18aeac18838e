import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One alert of an Alertmanager webhook notification (payload version 4). */
export interface NotifiedAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** The body Alertmanager POSTs to a webhook receiver. */
export interface WebhookNotification {
  readonly version: string;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly NotifiedAlert[];
}

/** A webhook receiver on loopback recording every notification POSTed to it. */
export interface AlertWebhook {
  /** `http://127.0.0.1:<port>/alerts` */
  readonly url: string;
  /** Every notification received, oldest first. */
  readonly notifications: readonly WebhookNotification[];
  /**
   * Resolves with the first alert, in any notification received so far or later, that `match` accepts.
   * @throws Error naming `what` and every alert received when none comes within `timeoutMs`
   */
  waitForAlert(what: string, match: (alert: NotifiedAlert) => boolean, timeoutMs: number): Promise<NotifiedAlert>;
  close(): Promise<void>;
}

const POLL_MS = 200;

/** A one-line summary of an alert for failure messages: status, alertname and the labels. */
function describeAlert(alert: NotifiedAlert): string {
  return `${alert.status} ${JSON.stringify(alert.labels)}`;
}

/**
 * Starts a webhook receiver on 127.0.0.1 and a port the kernel picks. It answers 200 to every POST
 * of a JSON body to `/alerts` and records it; anything else gets 404 (or 400 for a body that is not JSON).
 */
export async function startAlertWebhook(): Promise<AlertWebhook> {
  const notifications: WebhookNotification[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'POST' || request.url !== '/alerts') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      try {
        notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification);
        response.writeHead(200).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    async waitForAlert(what, match, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = notifications.flatMap((notification) => notification.alerts).find(match);
        if (found !== undefined) return found;
        if (Date.now() >= deadline) {
          const seen = notifications.flatMap((notification) => notification.alerts.map(describeAlert));
          throw new Error(`no ${what} notification within ${timeoutMs} ms; received:\n${seen.join('\n')}`);
        }
        await sleep(POLL_MS);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
