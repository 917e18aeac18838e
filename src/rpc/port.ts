/** The TCP ports a daemon can listen on. */
export const DAEMON_PORT_RANGE = '1..65535';

/** Whether `value` is a TCP port a daemon can listen on: an integer in 1..65535. */
export function isDaemonPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}
