/**
 * Public surface of the Deluge Web UI client library: the client, its options and its error classes.
 * HTTP, decompression and JSON budget internals are not exported.
 */
export type { WebUiTlsOptions } from './agent.js';
export { type WebUiCall, type WebUiCallOptions, WebUiClient, type WebUiClientOptions, webUiBaseUrl } from './client.js';
export {
  WebUiAnswerShapeError,
  WebUiAuthError,
  WebUiCertificatePinError,
  WebUiConnectionError,
  WebUiDaemonChoiceError,
  WebUiDaemonConnectError,
  WebUiError,
  WebUiHttpError,
  WebUiLimitError,
  WebUiNotJsonError,
  WebUiProtocolError,
  WebUiRedirectError,
  WebUiRemoteError,
  WebUiTimeoutError,
} from './errors.js';
