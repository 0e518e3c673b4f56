/** Account: search by id; its balance explained, its past as of any instant, its transactions, a day's statement. */
import { useState, type FormEvent } from "react";
import { BalanceExplained } from "./account/BalanceExplained.tsx";
import { Statement } from "./account/Statement.tsx";
import { TimeSlider } from "./account/TimeSlider.tsx";
import { Transactions } from "./account/Transactions.tsx";

export function Account() {
  const [draft, setDraft] = useState("");
  const [accountId, setAccountId] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft.trim() !== "") setAccountId(draft.trim());
  };
  return (
    <>
      <form className="search" onSubmit={submit} role="search">
        <label htmlFor="account-id">Account id</label>
        <input id="account-id" name="accountId" value={draft} onChange={(event) => setDraft(event.target.value)} placeholder="ACC-100000" autoComplete="off" required maxLength={128} />
        <button type="submit">Show</button>
      </form>
      {accountId === null ? <p className="muted">Enter an account id (with <code>bun start --simulate</code>: ACC-100000 to ACC-104999).</p> : (
        <div key={accountId}>
          <BalanceExplained accountId={accountId} />
          <TimeSlider accountId={accountId} />
          <Transactions accountId={accountId} />
          <Statement accountId={accountId} />
        </div>
      )}
    </>
  );
}
