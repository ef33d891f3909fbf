"""The SQL of the card businesses (社保卡): cards, their history, photos, issuing info.

``cards`` holds one row per person (its state 申领中 / 已制卡 / 已撤销), ``card_history``
each change, ``person_photos`` every collected photo (the latest counts),
``card_issuing_info`` the unit's confirmed bank and ``card_collectors`` its 领卡人.
Values travel as parameters; the shared sub-queries are fragments of this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import polars as pl

from sbbatch.store._sql import Fragment, compose, fragment, ident, join

if TYPE_CHECKING:
    from sbbatch.store import Workspace

#: The latest photo collected for each person (照片采集), as a sub-query.
CURRENT_PHOTOS: Final = fragment(
    "(SELECT * FROM person_photos QUALIFY row_number() OVER "
    "(PARTITION BY person_id ORDER BY collection_id DESC) = 1)"
)

#: The columns of ``card_issuing_info`` after ``unit_id``, in the table's order.
BANK_FIELDS: Final = ("bank", "branch_code", "branch_name", "address", "phone", "contact")


_PERSON_REFS: Final = {
    "person_id": fragment("person_id"),
    "p.person_id": fragment("p.person_id"),
    "w.person_id": fragment("w.person_id"),
    "$id": fragment("$id"),
}


def insured_in_unit(person: str = "person_id") -> Fragment:
    """True when ``person`` (a column or ``$id``) is insured in ``$unit`` in ``$month``."""
    return compose(
        "EXISTS (SELECT 1 FROM insured_periods i WHERE i.person_id = {person} "
        "AND i.unit_id = $unit AND i.from_month <= $month "
        "AND (i.until_month IS NULL OR i.until_month > $month))",
        person=_PERSON_REFS[person],
    )


def _ids(person_ids: pl.Series | Sequence[str]) -> list[str]:
    if isinstance(person_ids, pl.Series):
        return list(person_ids.drop_nulls().cast(pl.String).to_list())
    return list(person_ids)


# ------------------------------------------------------------------ issuing info
def confirmed_bank(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's confirmed 制卡银行 (:data:`BANK_FIELDS`; no row when none)."""
    return ws.sql(
        compose(
            "SELECT {fields} FROM card_issuing_info WHERE unit_id = $unit",
            fields=join((ident(name, BANK_FIELDS) for name in BANK_FIELDS), ", "),
        ),
        {"unit": unit_id},
    )


def confirm_bank(
    ws: Workspace, unit_id: str, bank: dict[str, Any], *, declaration_id: str, today: dt.date
) -> bool:
    """Record the unit's bank unless one is confirmed already; return whether it was."""
    if not ws.sql(
        "SELECT 1 FROM card_issuing_info WHERE unit_id = $unit", {"unit": unit_id}
    ).is_empty():
        return False
    ws.execute(
        "INSERT INTO card_issuing_info VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [unit_id, *(bank[name] for name in BANK_FIELDS), declaration_id, today],
    )
    return True


def replace_collectors(ws: Workspace, unit_id: str, collectors: pl.DataFrame) -> None:
    """Replace the unit's 领卡人 by ``collectors`` (the table's columns)."""
    ws.execute("DELETE FROM card_collectors WHERE unit_id = $unit", {"unit": unit_id})
    ws._checkpoint("card_collectors:deleted")
    ws.insert_frame("card_collectors", collectors)


def issuing_persons(
    ws: Workspace, unit_id: str, person_ids: pl.Series, month: dt.date
) -> pl.DataFrame:
    """Per person: ``registry_name`` and ``insured_here`` (in the unit in ``month``)."""
    return ws.sql(
        compose(
            """
        WITH wanted AS (SELECT DISTINCT unnest($ids::VARCHAR[]) AS person_id)
        SELECT w.person_id, p.name AS registry_name,
               {insured} AS insured_here
        FROM wanted w LEFT JOIN persons p USING (person_id)
        """,
            insured=insured_in_unit("w.person_id"),
        ),
        {"ids": _ids(person_ids), "unit": unit_id, "month": month},
    )


# ------------------------------------------------------------------ cards
def card_states(ws: Workspace, person_ids: pl.Series | Sequence[str]) -> pl.DataFrame:
    """Per person: ``registry_name``, ``card_state``, ``card_unit``, ``application_id``."""
    return ws.sql(
        """
        WITH wanted AS (SELECT DISTINCT unnest($ids::VARCHAR[]) AS person_id)
        SELECT w.person_id, p.name AS registry_name, c.state AS card_state,
               c.unit_id AS card_unit, c.application_id
        FROM wanted w LEFT JOIN persons p USING (person_id) LEFT JOIN cards c USING (person_id)
        """,
        {"ids": _ids(person_ids)},
    )


def application_facts(
    ws: Workspace,
    person_ids: list[str],
    *,
    unit_id: str,
    month: dt.date,
    declaration_id: str,
    kind: str,
) -> pl.DataFrame:
    """Per person: what a 社保卡申领 review needs (registry, card, photo, other applications)."""
    return ws.sql(
        compose(
            """
        WITH wanted AS (SELECT DISTINCT unnest($ids::VARCHAR[]) AS person_id),
        current_photo AS {photos}
        SELECT w.person_id,
               p.name AS registry_name,
               {insured} AS insured_here,
               c.state AS card_state,
               CASE WHEN c.state = 'applying' THEN coalesce(c.application_id, '已受理')
               END AS applying_ref,
               (SELECT min(d.declaration_id) FROM declaration_rows r
                  JOIN declarations d USING (declaration_id)
                 WHERE r.person_id = w.person_id AND d.kind = $kind
                   AND d.status = 'submitted' AND d.declaration_id <> $self) AS submitted_ref,
               ph.sha256 AS photo_sha256,
               ph.problems AS photo_problems,
               (SELECT string_agg(coalesce(o.name, '') || '（' || left(q.person_id, 6) || '********'
                                  || right(q.person_id, 4) || '）', '、' ORDER BY q.person_id)
                  FROM current_photo q LEFT JOIN persons o ON o.person_id = q.person_id
                 WHERE q.sha256 = ph.sha256 AND q.person_id <> w.person_id) AS same_photo_persons,
               EXISTS (SELECT 1 FROM card_issuing_info k WHERE k.unit_id = $unit) AS issuing_confirmed
        FROM wanted w
        LEFT JOIN persons p USING (person_id)
        LEFT JOIN cards c USING (person_id)
        LEFT JOIN current_photo ph USING (person_id)
        """,
            photos=CURRENT_PHOTOS,
            insured=insured_in_unit("w.person_id"),
        ),
        {"ids": person_ids, "unit": unit_id, "month": month, "self": declaration_id, "kind": kind},
    )


def states_before(ws: Workspace, person_ids: list[str]) -> pl.DataFrame:
    """The persons' current card state: ``person_id, from_state``."""
    return ws.sql(
        "SELECT person_id, state AS from_state FROM cards WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": person_ids},
    )


def upsert_cards(
    ws: Workspace,
    person_ids: list[str],
    *,
    unit_id: str,
    state: str,
    application: str | None,
    photos: list[Any],
    phones: list[Any],
    departments: list[Any],
    notes: list[Any],
    by: str | None,
    at: dt.datetime,
) -> None:
    """Set the persons' card rows (new or changed; ``None`` keeps what the card had)."""
    ws.execute(
        """
        INSERT INTO cards (person_id, unit_id, state, application_id, photo_sha256, phone,
                           department, note, updated_by, updated_at)
        SELECT unnest($ids::VARCHAR[]), $unit, $state, $application,
               unnest($photos::VARCHAR[]), unnest($phones::VARCHAR[]),
               unnest($departments::VARCHAR[]), unnest($notes::VARCHAR[]), $by, $at
        ON CONFLICT (person_id) DO UPDATE SET
            unit_id = excluded.unit_id,
            state = excluded.state,
            application_id = coalesce(excluded.application_id, cards.application_id),
            photo_sha256 = coalesce(excluded.photo_sha256, cards.photo_sha256),
            phone = coalesce(excluded.phone, cards.phone),
            department = CASE WHEN excluded.state = 'applying' THEN excluded.department
                              ELSE cards.department END,
            note = CASE WHEN excluded.state = 'applying' THEN excluded.note ELSE cards.note END,
            updated_by = excluded.updated_by,
            updated_at = excluded.updated_at
        """,
        {
            "ids": person_ids,
            "unit": unit_id,
            "state": state,
            "application": application,
            "photos": photos,
            "phones": phones,
            "departments": departments,
            "notes": notes,
            "by": by,
            "at": at,
        },
    )


def unapplied_persons(ws: Workspace, unit_id: str, month: dt.date, kind: str) -> pl.DataFrame:
    """The unit's insured persons without a card and in no submitted ``kind`` declaration."""
    return ws.sql(
        compose(
            """
        SELECT p.person_id, p.name, p.phone, NULL::VARCHAR AS department, NULL::VARCHAR AS note
        FROM persons p LEFT JOIN cards c USING (person_id)
        WHERE {insured}
          AND (c.state IS NULL OR c.state = 'revoked')
          AND NOT EXISTS (SELECT 1 FROM declaration_rows r JOIN declarations d USING (declaration_id)
                          WHERE r.person_id = p.person_id AND d.kind = $kind
                            AND d.status = 'submitted')
        ORDER BY p.person_id
        """,
            insured=insured_in_unit("p.person_id"),
        ),
        {"unit": unit_id, "month": month, "kind": kind},
    )


def pending_applications(ws: Workspace, unit_id: str) -> pl.DataFrame:
    """The unit's applications that can be revoked (申领中)."""
    return ws.sql(
        """
        SELECT c.person_id, p.name, c.phone, c.department, c.application_id, c.updated_at
        FROM cards c LEFT JOIN persons p USING (person_id)
        WHERE c.unit_id = $unit AND c.state = 'applying'
        ORDER BY c.person_id
        """,
        {"unit": unit_id},
    )


# ------------------------------------------------------------------ photos and persons
def current_photos_of(ws: Workspace, person_ids: pl.Series | Sequence[str]) -> pl.DataFrame:
    """The persons' latest photo: ``person_id, sha256, file_name``."""
    return ws.sql(
        compose(
            "SELECT person_id, sha256, file_name FROM {photos} "
            "WHERE person_id IN (SELECT unnest($ids::VARCHAR[]))",
            photos=CURRENT_PHOTOS,
        ),
        {"ids": _ids(person_ids)},
    )


def known_photo_hashes(ws: Workspace, hashes: list[str]) -> pl.Series:
    """Which of the sha256 hashes the ``photos`` table holds."""
    return ws.sql(
        "SELECT sha256 FROM photos WHERE sha256 IN (SELECT unnest($h::VARCHAR[]))", {"h": hashes}
    )["sha256"]


def persons_insured_in_unit(ws: Workspace, unit_id: str, month: dt.date) -> pl.DataFrame:
    """The unit's persons insured in ``month``: ``person_id, name``."""
    return ws.sql(
        compose(
            "SELECT p.person_id, p.name FROM persons p WHERE {insured} ORDER BY p.person_id",
            insured=insured_in_unit("p.person_id"),
        ),
        {"unit": unit_id, "month": month},
    )


def person_row(ws: Workspace, person_id: str) -> pl.DataFrame:
    """The registry row of one person (``persons``; empty when unknown)."""
    return ws.sql("SELECT * FROM persons WHERE person_id = $id", {"id": person_id})


def card_facts(ws: Workspace, person_id: str, unit_id: str, month: dt.date) -> dict[str, Any]:
    """One person's ``insured_here``, card ``state`` and photo ``file_name``, ``ok``."""
    return ws.sql(
        compose(
            """
        SELECT {insured} AS insured_here, c.state, ph.file_name, ph.ok
        FROM (SELECT $id AS person_id) x
        LEFT JOIN cards c USING (person_id) LEFT JOIN {photos} ph USING (person_id)
        """,
            insured=insured_in_unit("$id"),
            photos=CURRENT_PHOTOS,
        ),
        {"id": person_id, "unit": unit_id, "month": month},
    ).row(0, named=True)
