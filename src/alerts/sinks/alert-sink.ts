import { AlertEvent } from '../alert.model';

/**
 * Where raised alerts go. `publish` never throws and never blocks the caller on the network:
 * each driver keeps the alert until it is handed over (or, for the direct driver, delivered).
 */
export abstract class AlertSink {
  abstract publish(event: AlertEvent): void;
  /** Hands over what it can before shutdown. */
  abstract close(): Promise<void>;
}
