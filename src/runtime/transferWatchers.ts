/**
 * Who watches which transfer (Server-Sent Events): each listener hears every change of its
 * transfer's status in this process. Bounded: past `watchersMax` a new watch is refused (the
 * route answers 503). A transfer decided on another instance is watched there.
 */
import type { TransferView } from "../domain/transfer/transferView.ts";
import type { TransferWatch } from "./ports.ts";

export class TransferWatchers implements TransferWatch {
  private readonly byTransfer = new Map<string, Set<(view: TransferView) => void>>();
  private watching = 0;

  constructor(private readonly watchersMax: number) {}

  get size(): number {
    return this.watching;
  }

  watch(transferId: string, listener: (view: TransferView) => void): (() => void) | null {
    if (this.watching >= this.watchersMax) return null;
    let listeners = this.byTransfer.get(transferId);
    if (listeners === undefined) this.byTransfer.set(transferId, (listeners = new Set()));
    listeners.add(listener);
    this.watching += 1;
    let watched = true;
    return () => {
      if (!watched) return;
      watched = false;
      this.watching -= 1;
      listeners.delete(listener);
      if (listeners.size === 0) this.byTransfer.delete(transferId);
    };
  }

  changed(view: TransferView): void {
    const listeners = this.byTransfer.get(view.transferId);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) listener(view);
  }
}
