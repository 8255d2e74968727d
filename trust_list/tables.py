"""A list as a readable rich table (operator ``show`` and the demo)."""

from __future__ import annotations

from cryptography import x509
from rich.table import Table

from .model import LIST_SHORT_NAMES, Lote, format_time


def _short(uri: str | None) -> str:
    return (uri or "").rstrip("/").rsplit("/", 1)[-1] or "-"


def _subject(der: bytes) -> str:
    try:
        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except ValueError:
        return "(unreadable certificate)"


def lote_table(lote: Lote) -> Table:
    title = (f"{LIST_SHORT_NAMES.get(lote.list_type, lote.list_type)} list #{lote.sequence_number} "
             f"by {lote.operator_name} — issued {format_time(lote.issue_time)}, "
             f"next update {format_time(lote.next_update)}")
    table = Table(title=title, show_lines=False)
    for column in ("Entity", "Service", "Type", "Status", "Since", "Credential types", "Certificate", "History"):
        table.add_column(column, overflow="fold")
    for entity in lote.entities:
        for service in entity.services:
            cur = service.current
            table.add_row(
                entity.name,
                service.name,
                _short(cur.service_type),
                _short(cur.status) if cur.status else "listed",
                format_time(cur.starting_time) if cur.starting_time is not None else "-",
                ", ".join(cur.credential_types) or "-",
                "; ".join(_subject(d) for d in cur.certificates),
                "; ".join(f"{_short(h.status)} {format_time(h.starting_time)}" for h in service.history
                          if h.starting_time is not None) or "-",
            )
    return table
