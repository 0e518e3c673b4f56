/**
 * `--simulate`: a built-in core bank, so a newcomer sees balances move at once. It plays the
 * upstream system: facilities, an EOD for every account at start, then a steady stream of
 * transactions with occasional EOD fixes, duplicates, invalid messages and high-value ones.
 * Deterministic (seeded), and it goes through the same ingestion path as any other source.
 * With a transfer client, it is also a bank app: a transfer a second between the first
 * TRANSFER_ACCOUNTS accounts, mostly small, every fifth large, so that the risk model approves
 * some, holds some for 2FA and denies others (the dashboard's fraud view has work at once).
 */
import { formatAmount } from "../domain/money.ts";
import type { Inbound } from "../runtime/inbound.ts";
import type { FacilityAdmin, MessageIngest } from "../runtime/ports.ts";
import type { Logger } from "../observability/log.ts";

export interface SimulatorOptions {
  readonly accounts: number;
  readonly ratePerSecond: number;
  readonly seed?: number;
}

/** POST /v1/transfers as a client sends it (the engine's own route, so each decision is audited); resolves to the status. */
export type TransferClient = (body: SimulatedTransfer, idempotencyKey: string) => Promise<number>;

export interface SimulatedTransfer {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: string;
  readonly currency: "USD";
  readonly reference: string;
}

const TRANSFER_EVERY_MS = 1000;
const TRANSFER_ACCOUNTS = 20;

const TICK_MS = 100;
const FACILITIES = 50;
const SOURCE = { kind: "simulator" } as const;
const USD_DIGITS = 2;

export class TrafficSimulator {
  private readonly random: () => number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private transferTimer: ReturnType<typeof setInterval> | null = null;
  private transfersSent = 0;
  private sequence = 0;
  private lastMessage: unknown = null;
  private readonly eodDate: string;
  private readonly today: string;

  constructor(
    private readonly ingest: MessageIngest,
    private readonly facilities: FacilityAdmin,
    private readonly options: SimulatorOptions,
    private readonly log: Logger,
    private readonly transfers: TransferClient | null = null,
  ) {
    this.random = mulberry32(options.seed ?? 42);
    const now = Date.now();
    this.today = new Date(now).toISOString().slice(0, 10);
    this.eodDate = new Date(now - 86_400_000).toISOString().slice(0, 10);
  }

  async start(): Promise<void> {
    for (let f = 0; f < FACILITIES; f++) {
      await this.facilities.setFacilityLimit({ facilityId: facilityIdOf(f), limitMinor: facilityLimitMinor(f), currency: "USD" });
    }
    const eods: Inbound[] = [];
    for (let a = 0; a < this.options.accounts; a++) eods.push(this.inbound(this.eod(a, 0)));
    await this.ingest.ingestAll(eods);
    this.log.info("simulator_started", { accounts: this.options.accounts, ratePerSecond: this.options.ratePerSecond, firstAccount: accountIdOf(0) });
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    if (this.transfers !== null) this.transferTimer = setInterval(() => void this.sendTransfer(this.transfers!), TRANSFER_EVERY_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.transferTimer !== null) clearInterval(this.transferTimer);
    this.timer = null;
    this.transferTimer = null;
  }

  /** Small ones build each source's history; a large one is then far off its mean, and often to a new payee. */
  private async sendTransfer(send: TransferClient): Promise<void> {
    this.transfersSent += 1;
    const accounts = Math.min(TRANSFER_ACCOUNTS, this.options.accounts);
    const from = Math.floor(this.random() * accounts);
    const to = (from + 1 + Math.floor(this.random() * (accounts - 1))) % accounts;
    if (from === to) return;
    // A large one takes half to all of what the source had available at start: the risk model's
    // available_share then weighs, and with the source's recent count some are held or denied.
    const large = this.transfersSent % 5 === 0;
    const startingAvailable = facilityLimitMinor(from % FACILITIES) + eodBalanceMinor(from);
    const amountMinor = large ? Math.floor(startingAvailable * (0.5 + this.random() / 2)) : 1_000 + Math.floor(this.random() * 5_000);
    const body = { fromAccountId: accountIdOf(from), toAccountId: accountIdOf(to), amount: formatAmount(amountMinor, USD_DIGITS), currency: "USD" as const, reference: "simulated" };
    await send(body, `sim-transfer-${this.transfersSent}`).catch((error: unknown) => this.log.warn("simulator_transfer_failed", { error: String(error) }));
  }

  private async tick(): Promise<void> {
    const count = Math.max(1, Math.round((this.options.ratePerSecond * TICK_MS) / 1000));
    const batch: Inbound[] = [];
    for (let i = 0; i < count; i++) batch.push(this.inbound(this.next()));
    await this.ingest.ingestAll(batch);
  }

  /** One message of the feed; rare kinds are mixed in at fixed odds. */
  private next(): unknown {
    const roll = this.random();
    if (roll < 0.01 && this.lastMessage !== null) return this.lastMessage; // a redelivery
    if (roll < 0.015) return { type: "TRANSACTION", messageId: this.messageId(), amount: 12.5 }; // invalid
    if (roll < 0.017) return this.eod(this.pickAccount(), 1); // a fix of the day's EOD
    const amountMinor = roll < 0.02 ? 1_000_000 + Math.floor(this.random() * 4_000_000) : Math.floor(this.random() * 20_000) - 12_000;
    const message = this.transaction(this.pickAccount(), amountMinor);
    this.lastMessage = message;
    return message;
  }

  private eod(account: number, fix: number): Record<string, string> {
    const balanceMinor = eodBalanceMinor(account) + fix * 1_000;
    return {
      type: "EOD_BALANCE", messageId: this.messageId(), accountId: accountIdOf(account),
      facilityId: facilityIdOf(account % FACILITIES), balance: formatAmount(balanceMinor, USD_DIGITS), currency: "USD",
      asOfDate: this.eodDate, timestamp: new Date(Date.now() + fix).toISOString(),
    };
  }

  private transaction(account: number, amountMinor: number): Record<string, string> {
    return {
      type: "TRANSACTION", messageId: this.messageId(), accountId: accountIdOf(account),
      eventType: "TRANSACTION_CREATED", transactionId: `sim-t-${this.sequence}`, amount: formatAmount(amountMinor, USD_DIGITS),
      currency: "USD", bookingDate: this.today, timestamp: new Date().toISOString(),
    };
  }

  private pickAccount(): number {
    return Math.floor(this.random() * this.options.accounts);
  }

  private messageId(): string {
    this.sequence += 1;
    return `sim-m-${this.sequence}`;
  }

  private inbound(value: unknown): Inbound {
    return { value, source: SOURCE };
  }
}

export function accountIdOf(index: number): string {
  return `ACC-${String(100_000 + index)}`;
}

function facilityLimitMinor(facility: number): number {
  return (1 + (facility % 10)) * 100_000;
}

function eodBalanceMinor(account: number): number {
  return 100_000 + ((account * 7919) % 900_000);
}

function facilityIdOf(index: number): string {
  return `FAC-${String(index + 1).padStart(3, "0")}`;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
