// What a device runner counts, as the API reports it per device (src/web/api-types.ts) and the page
// shows it: here, below both, so the API's types do not reach into the runner.

export interface DeviceCounters {
  reports: number;
  protocolErrors: number;
  rejected: number;
  lastReportAt?: string;
  lastProtocolError?: { at: string; reason: string };
}
