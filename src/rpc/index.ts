/**
 * Public surface of the Deluge 2.x RPC client library: the client, the typed Remote API, the error
 * classes and the value types. Framing and connection internals are not exported.
 */
export {
  type ApiRequest,
  AuthLevel,
  type AuthLevelName,
  type AuthLevelsMappings,
  type CallingGroup,
  type CompletionArgs,
  type ConfigDict,
  type ConfigInput,
  type CreateTorrentArgs,
  DelugeApi,
  type DelugeEventName,
  EVENT_NAMES,
  type FilterTree,
  type KnownAccount,
  type KnownDelugeEvent,
  METHODS,
  type MethodName,
  type MethodSpec,
  methodSpec,
  type ParsedDelugeEvent,
  parseEvent,
  type RequestBuilder,
  requests,
  type SessionStatus,
  type StatusOptions,
  TORRENT_STATUS_KEYS,
  type TorrentAddOptions,
  type TorrentFile,
  type TorrentFilter,
  type TorrentOptions,
  type TorrentPeer,
  type TorrentState,
  type TorrentStatus,
  type TorrentStatusKey,
  type TorrentTracker,
  type UnknownDelugeEvent,
} from './api.js';
export { DEFAULT_CLIENT_VERSION, DelugeClient, type DelugeClientEvents, type DelugeConnectedInfo } from './client.js';
export { DEFAULT_LATE_REPLY_GRACE_MS } from './connection.js';
export {
  DelugeAuthError,
  DelugeCertificatePinError,
  DelugeClientError,
  DelugeConnectionError,
  type DelugeErrorKind,
  DelugeLimitError,
  DelugeNotAuthorizedError,
  DelugeProtocolError,
  DelugeRemoteError,
  DelugeRpcError,
  DelugeTimeoutError,
  DelugeWrappedError,
} from './errors.js';
export { HANDSHAKE_LIMITS } from './framing.js';
/**
 * Deadlines end calls, not requests: `client.send(requests)` returns the {@link RpcInFlight} bundle,
 * which any number of callers can `wait({signal})` for, each with its own deadline, while `done`
 * says whether it is still outstanding (e.g. to send one status bundle per daemon at a time).
 * `callMany(requests, {signal})` is `send(requests).wait({signal})`.
 */
export type { RpcInFlight } from './in-flight.js';
export { DAEMON_PORT_RANGE, isDaemonPort } from './port.js';
export {
  DEFAULT_DECODE_LIMITS,
  decode,
  decoded,
  EncodedRencode,
  encode,
  RencodeDecodeError,
  type RencodeDecodeLimits,
  type RencodeDict,
  RencodeEncodeError,
  type RencodeInput,
  RencodeLimitError,
  type RencodeValue,
  type VisitedFields,
  visitDictOfDicts,
} from './rencode.js';
export { DEFAULT_LOG_TEXT_CHARS, shortenForLog } from './shorten.js';
export { InvalidFingerprintError, normalizeFingerprint } from './tls.js';
export type {
  CallOptions,
  ClientInstrumentation,
  DelugeClientOptions,
  DelugeEvent,
  DelugeRpc,
  DelugeTlsOptions,
  ResultOf,
  RevealablePassword,
  RpcRequest,
  Settled,
  SettledTuple,
} from './types.js';
