"""Who made a decision: an approval (or a rejection) is accepted only from the person who
holds that role, proven one of three ways, on every path (inbox, page, command, import):

- **key**: the person signed the update with their own key (Ed25519; `gendan users key`
  makes the pair, the users file keeps the public half, the person the private half;
  `gendan sign FILE` signs). The signature covers the order number, the order's revision
  it approves, the role, the person, the decision and the time, so a signature is void on
  another order, another revision or another decision.
- **page** / **command**: gendan itself vouches that the person proved who they are (a
  signed-in session on the page; a password at `gendan approve`), with an HMAC over the
  same fields under the workspace's secret (`.gendan/secret`, which only gendan reads).
- **unverified**: with `[approval] trust_inbox = true`, an approval without proof is taken
  and marked unverified wherever it shows.

Nobody holds two roles of one chain; nobody approves the review they created (flow.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from .errors import FieldProblem, UpdateRejectedError
from .people import People, Person

__all__ = ["PROOF_KINDS", "attest", "payload", "proof_matches", "prove", "sign_update"]

PROOF_KINDS = ("key", "page", "command")
FIELDS = ("order_no", "revision", "role", "by", "decision", "at")


def _at(value: Any) -> str:
    text = value.isoformat(timespec="minutes") if hasattr(value, "isoformat") else str(value)
    return text.replace(" ", "T", 1)[:16]


def payload(update: dict[str, Any]) -> bytes:
    """The bytes a proof covers: the decision's fields, canonical."""
    fields = {name: update.get(name) for name in FIELDS}
    fields["at"] = _at(fields["at"])
    fields["decision"] = fields["decision"] or "approved"
    return json.dumps(fields, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def attest(update: dict[str, Any], account: str, via: str, secret: str) -> dict[str, str]:
    """gendan's own proof that `account` made this decision (via the page or a command)."""
    message = payload(update) + f"|{account}|{via}".encode()
    mac = hmac.new(secret.encode("ascii"), message, hashlib.sha256).hexdigest()
    return {"kind": via, "account": account, "value": mac}


def sign_update(update: dict[str, Any], account: str, private_pem: bytes) -> dict[str, str]:
    """A person's proof, with their own private key."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(private_pem, password=None)
    signature = key.sign(payload(update))  # type: ignore[call-arg, union-attr]
    return {"kind": "key", "account": account,
            "value": base64.b64encode(signature).decode("ascii")}


def _refuse(update: dict[str, Any], found: str, expected: str) -> UpdateRejectedError:
    return UpdateRejectedError(str(update.get("order_no")), [FieldProblem("proof", found,
                                                                           expected)])


HOW = ("sign it with `gendan sign FILE --key YOUR-KEY` (a key from `gendan users key`), "
       "approve with `gendan approve ORDER --role ROLE`, or on the office's page")


def prove(update: dict[str, Any], people: People, *, revision: int,
          trust_inbox: bool) -> tuple[str, str]:
    """Who made this decision, and how it was proven: (account, kind); kind "unverified"
    when the workspace trusts the inbox and nothing proves it. Raises
    UpdateRejectedError when the proof is missing, wrong or not the role holder's."""
    proof = update.get("proof")
    if not proof:
        if trust_inbox:
            return "", "unverified"
        raise _refuse(update, "an approval that nobody proved they made",
                      f"a signed approval: {HOW}")
    kind, account = proof.get("kind"), str(proof.get("account", ""))
    person = people.get(account)
    if person is None:
        raise _refuse(update, f"proof by {account!r}, who is not a user here",
                      "a decision by one of `gendan users list`")
    if update.get("revision") != revision:
        raise _refuse(update, f"an approval of revision {update.get('revision')} of the order",
                      f"an approval of the order as it stands (revision {revision}): the "
                      "order was revised since, which restarts the review; sign again")
    if not proof_matches(kind, proof, update, person, people):
        raise _refuse(update, f"a {kind} proof by {account} that does not match the "
                      "decision (changed after it was signed, or signed by another key)",
                      f"the decision exactly as signed: {HOW}")
    _holder(update, person)
    return account, str(kind)


def proof_matches(kind: Any, proof: dict[str, Any], update: dict[str, Any], person: Person,
           people: People) -> bool:
    value = str(proof.get("value", ""))
    if kind == "key":
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        if not person.public_key:
            return False
        try:
            key = load_pem_public_key(person.public_key.encode("ascii"))
            key.verify(base64.b64decode(value, validate=True),  # type: ignore[call-arg, union-attr]
                       payload(update))
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True
    if kind in {"page", "command"}:
        expected = attest(update, person.login, str(kind), people.secret())["value"]
        return hmac.compare_digest(expected, value)
    return False


def _holder(update: dict[str, Any], person: Person) -> None:
    """The prover holds the role and signs under their own name."""
    if person.role != update.get("role"):
        raise _refuse(update, f"{person.login} ({person.role}) deciding as "
                      f"{update.get('role')}", f"the {update.get('role')}'s own decision")
    if person.name != update.get("by"):
        raise _refuse(update, f"{person.login} signing as {update.get('by')!r}",
                      f"their own name, {person.name!r}")
