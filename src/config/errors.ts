/**
 * The configuration is invalid or unreadable. The message is one line naming where the problem is:
 * `<source>: <key path>: <detail>`, e.g. `config.yaml: daemons[1].name: duplicate daemon name "seedbox"`.
 * Never contains a password value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_ERR_INVALID';

  /**
   * @param source the config file path, or `environment`
   * @param keyPath the offending key (`daemons[0].port`, `DELUGE_PORT`); empty for the whole source
   * @param detail what is wrong, naming the bad value when it is not secret
   */
  constructor(
    readonly source: string,
    readonly keyPath: string,
    readonly detail: string,
  ) {
    super(keyPath === '' ? `${source}: ${detail}` : `${source}: ${keyPath}: ${detail}`);
  }
}
