import type { RencodeInput } from '../rpc/rencode.js';
import type { RpcRequest, Settled } from '../rpc/types.js';
import { type Answers, MissingAnswerError, type Requests } from './collector.js';

/**
 * Calls whose argument at `keysAt` is a list of keys to return, `[]` meaning "every key": two such
 * calls that differ only in that list are sent once, with the united list.
 */
const KEY_LIST_ARGUMENT: Readonly<Record<string, number>> = {
  'core.get_session_status': 0,
  'core.get_config_values': 0,
  'core.get_torrents_status': 1,
};

/** One bundle for several collectors: the requests to send, and who reads which answer under what name. */
export interface Bundle {
  readonly requests: readonly RpcRequest[];
  /** Per collector: its request names and the index of the answer each reads. */
  readonly routes: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

function keyList(request: RpcRequest, at: number): readonly string[] | undefined {
  const keys = request.args[at];
  return Array.isArray(keys) && keys.every((key) => typeof key === 'string') ? keys : undefined;
}

/** What makes two requests the same call: method and arguments, without the key list of key-list calls. */
function identity(request: RpcRequest): string {
  const at = KEY_LIST_ARGUMENT[request.method];
  const args = at === undefined ? request.args : request.args.map((arg, index) => (index === at ? null : arg));
  return JSON.stringify([request.method, args, request.kwargs ?? {}]);
}

function unite(a: readonly string[], b: readonly string[]): readonly string[] {
  if (a.length === 0 || b.length === 0) return [];
  return [...new Set([...a, ...b])].sort();
}

/**
 * Builds ONE bundle from the requests of several collectors: identical calls are sent once, key-list
 * calls with the same other arguments are sent once with the union of their keys (in sorted order).
 */
export function buildBundle(perCollector: ReadonlyMap<string, Requests>): Bundle {
  const requests: RpcRequest[] = [];
  const indexByIdentity = new Map<string, number>();
  const routes = new Map<string, Map<string, number>>();
  for (const [collector, named] of perCollector) {
    const route = new Map<string, number>();
    routes.set(collector, route);
    for (const [name, request] of Object.entries(named)) {
      const id = identity(request);
      const index = indexByIdentity.get(id);
      if (index === undefined) {
        indexByIdentity.set(id, requests.length);
        route.set(name, requests.length);
        requests.push(request);
        continue;
      }
      route.set(name, index);
      const at = KEY_LIST_ARGUMENT[request.method];
      let existing = requests[index] as RpcRequest;
      // Whoever reads an answer one collector takes encoded reads that form too (the torrent summary).
      if (request.encodedAnswer === true && existing.encodedAnswer !== true) {
        existing = { ...existing, encodedAnswer: true };
        requests[index] = existing;
      }
      const before = at === undefined ? undefined : keyList(existing, at);
      const added = at === undefined ? undefined : keyList(request, at);
      if (at !== undefined && before !== undefined && added !== undefined) {
        const keys: RencodeInput = [...unite(before, added)];
        requests[index] = { ...existing, args: existing.args.map((arg, i) => (i === at ? keys : arg)) };
      }
    }
  }
  return { requests, routes };
}

/** Each collector's answers by name, from the settled results of a bundle (a missing result fails its call). */
export function routeAnswers(
  bundle: Bundle,
  results: readonly Settled<unknown>[],
): ReadonlyMap<string, Map<string, Settled<unknown>>> {
  const answers = new Map<string, Map<string, Settled<unknown>>>();
  for (const [collector, route] of bundle.routes) {
    const own = new Map<string, Settled<unknown>>();
    for (const [name, index] of route) {
      const method = bundle.requests[index]?.method ?? name;
      own.set(name, results[index] ?? { ok: false, error: new MissingAnswerError(method) });
    }
    answers.set(collector, own);
  }
  return answers;
}

/** Answers of two steps as one map (the follow-up's names never repeat the first step's). */
export function joinAnswers(first: Answers | undefined, second: Answers | undefined): Answers {
  return new Map([...(first ?? []), ...(second ?? [])]);
}
