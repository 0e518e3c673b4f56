/**
 * The transfer API's control flow. A request is checked, then decided in its source account's
 * actor: the authorization, then the journal (durable before any answer), then the record (the
 * hold). While the journal write is out, the account's later tasks wait in its mailbox, so two
 * transfers can never reserve the same funds. A request whose key is already being decided is
 * refused at once (409), not queued behind it.
 */
import { createHash, randomUUID } from "node:crypto";
import type { AccountState } from "../domain/account/accountState.ts";
import { authorizeTransfer, type Authorization, type TransferRefusal } from "../domain/transfer/authorizeTransfer.ts";
import { statusChangeOf } from "../domain/transfer/changeTransferStatus.ts";
import { idempotencyScopeOf, type Transfer, type TransferStatus } from "../domain/transfer/transfer.ts";
import { parseTransferBody, type ParsedTransferBody } from "../domain/transfer/transferRequest.ts";
import { transferViewOf } from "../domain/transfer/transferView.ts";
import type { AccountRuntime } from "./accountRuntime.ts";
import { canSeeAccount, type Principal } from "../domain/auth/principal.ts";
import type { TransferAnswer, TransferCommand, TransferDesk as TransferDeskPort, TransferJournal, TransferStatusAnswer } from "./ports.ts";
import { decidedRecord } from "./transferJournalRecord.ts";
import type { TransferIndex } from "./transferIndex.ts";
import type { TransferRecorder } from "./transferRecorder.ts";

/** Requests being decided at once, at most (each holds its key until the journal answers). */
const IN_FLIGHT_MAX = 10_000;

export interface TransferDeskOptions {
  readonly runtime: AccountRuntime;
  readonly recorder: TransferRecorder;
  readonly journal: TransferJournal;
  readonly index: TransferIndex;
  /** True when this instance decides for the account (embedded: always; Kafka: it owns the partition). */
  readonly owns: (accountId: string) => boolean;
  /** The destination's currency, or null when no account by that id has an EOD. */
  readonly destinationCurrencyOf: (accountId: string) => string | null | Promise<string | null>;
  /** A fresh decision (not a replay), once durable: metrics and the score's history. */
  readonly decided: (transfer: Transfer, seconds: number) => void;
  /** A request answered without a decision, by code. */
  readonly refused: (code: string) => void;
  readonly now: () => number;
}

const REFUSAL_MESSAGES: Readonly<Record<TransferRefusal, string>> = {
  account_not_found: "no such account",
  currency_mismatch: "the currency is not both accounts' currency",
  insufficient_funds: "the source's available balance does not cover the amount",
  idempotency_key_reused: "this Idempotency-Key was used with another request body",
  too_many_transfers: "the source account has as many open transfers as it may keep; retry once some are posted",
};

export class TransferDesk implements TransferDeskPort {
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: TransferDeskOptions) {}

  async authorize(command: TransferCommand): Promise<TransferAnswer> {
    const answer = await this.answer(command);
    if (answer.kind === "refused") this.options.refused(answer.code);
    return answer;
  }

  private async answer(command: TransferCommand): Promise<TransferAnswer> {
    const parsed = parseTransferBody(command.body);
    if (!parsed.ok) return { kind: "refused", code: "invalid_body", field: parsed.field, message: `${parsed.field} ${parsed.message}` };
    const body = parsed.body;
    if (!canSeeAccount(command.caller, body.fromAccountId)) return refusedWith("account_not_found");
    if (!this.options.owns(body.fromAccountId)) return { kind: "refused", code: "not_owner", message: "the source account's partition is not held here now; retry" };
    const scope = idempotencyScopeOf(command.caller.name, command.idempotencyKey);
    if (this.inFlight.has(scope)) return { kind: "refused", code: "idempotency_key_in_flight", message: "a request with this Idempotency-Key is being decided" };
    if (this.inFlight.size >= IN_FLIGHT_MAX) return { kind: "refused", code: "rate_limited", message: "too many transfers are being decided; retry" };
    this.inFlight.add(scope);
    try {
      const destinationCurrency = await this.options.destinationCurrencyOf(body.toAccountId);
      return await this.decide(body, scope, fingerprintOf(body), destinationCurrency);
    } finally {
      this.inFlight.delete(scope);
    }
  }

  transferOf(transferId: string, caller: Principal): ReturnType<TransferDeskPort["transferOf"]> {
    const accountId = this.options.index.sourceOf(transferId);
    if (accountId === undefined || !canSeeAccount(caller, accountId)) return null;
    const transfer = this.options.runtime.stateOf(accountId)?.transfers.get(transferId);
    return transfer === undefined ? null : transferViewOf(transfer);
  }

  changeStatus(transferId: string, action: "confirm" | "cancel", caller: Principal): Promise<TransferStatusAnswer> {
    const accountId = this.options.index.sourceOf(transferId);
    if (accountId === undefined || !canSeeAccount(caller, accountId)) return Promise.resolve(NOT_FOUND);
    return this.change(accountId, transferId, action === "confirm" ? "APPROVED" : "REJECTED");
  }

  /**
   * A PENDING_2FA transfer past its deadline ends EXPIRED: false when it had moved on (or moved to
   * another instance, which arms it again on recovery); throws when the journal failed (retry).
   */
  async expire(accountId: string, transferId: string): Promise<boolean> {
    const answer = await this.change(accountId, transferId, "EXPIRED");
    if (answer.kind === "refused" && answer.code === "journal_unavailable") throw new Error(answer.message);
    return answer.kind === "changed";
  }

  private decide(body: ParsedTransferBody, scope: string, fingerprint: string, destinationCurrency: string | null): Promise<TransferAnswer> {
    const { runtime, now } = this.options;
    const startedAt = performance.now();
    const shardId = runtime.homeShardOf(body.fromAccountId);
    const request = { ...body, transferId: randomUUID(), idempotencyScope: scope, requestFingerprint: fingerprint };
    const answer = runtime.run(shardId, body.fromAccountId, (state): TransferAnswer | Promise<TransferAnswer> => {
      const authorization = authorizeTransfer(state, request, { nowMs: now(), destinationCurrency });
      if (authorization.kind !== "decided") return answerOf(authorization);
      return this.options.journal.append(decidedRecord(authorization.transfer)).then(
        () => {
          this.options.recorder.decided(state, shardId, authorization.transfer);
          this.options.decided(authorization.transfer, (performance.now() - startedAt) / 1000);
          return answerOf(authorization);
        },
        () => JOURNAL_UNAVAILABLE,
      );
    });
    return Promise.resolve(answer);
  }

  private change(accountId: string, transferId: string, to: TransferStatus): Promise<TransferStatusAnswer> {
    const { runtime, now } = this.options;
    if (!this.options.owns(accountId)) return Promise.resolve({ kind: "refused", code: "not_owner", message: "the source account's partition is not held here now; retry" });
    const shardId = runtime.homeShardOf(accountId);
    return Promise.resolve(runtime.run(shardId, accountId, (state: AccountState): TransferStatusAnswer | Promise<TransferStatusAnswer> => {
      const check = statusChangeOf(state, transferId, to);
      if (check.kind === "not_found") return NOT_FOUND;
      if (check.kind === "not_allowed") return { kind: "refused", code: "transfer_not_pending", message: `the transfer is ${check.transfer.status}, not PENDING_2FA` };
      const atMs = now();
      return this.options.journal.append({ kind: "status", transferId, fromAccountId: accountId, status: to, atMs }).then(
        () => {
          this.options.recorder.statusChanged(state, shardId, transferId, to, atMs);
          return { kind: "changed" as const, transfer: transferViewOf(state.transfers.get(transferId)!) };
        },
        () => ({ kind: "refused" as const, code: "journal_unavailable" as const, message: "the transfer journal could not be written; retry" }),
      );
    }));
  }
}

const NOT_FOUND: TransferStatusAnswer = { kind: "refused", code: "transfer_not_found", message: "no such transfer" };
const JOURNAL_UNAVAILABLE: TransferAnswer = { kind: "refused", code: "journal_unavailable", message: "the transfer journal could not be written; nothing was reserved; retry" };

function refusedWith(code: TransferRefusal): TransferAnswer {
  return { kind: "refused", code, message: REFUSAL_MESSAGES[code] };
}

function answerOf(authorization: Authorization): TransferAnswer {
  if (authorization.kind === "refused") return refusedWith(authorization.code);
  return { kind: "decided", transfer: transferViewOf(authorization.transfer, true), replayed: authorization.kind === "replay" };
}

/** The request body's digest: the same key with another body is a different request. */
function fingerprintOf(body: ParsedTransferBody): string {
  const canonical = JSON.stringify([body.fromAccountId, body.toAccountId, body.amountMinor, body.currency, body.reference]);
  return createHash("sha256").update(canonical).digest("hex");
}
