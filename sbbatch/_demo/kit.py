"""What a business's demo step may call: the public API, passed in by the demo.

A business's sample case (``Declaration.demo``, in :mod:`sbbatch.declarations._samples`)
checks, declares, reviews, writes results and prints forms, but the businesses sit
below those engines and never import them (``tests/test_architecture.py``). The demo
hands each step a :class:`DemoKit`: the engines' functions, unchanged, as attributes.
Results go through the one result writer (``write_review_result``) and forms through
the one printer (``print_form``, which draws the business's ``Declaration.form``).
"""

from __future__ import annotations

import sbbatch.batch as _batch
import sbbatch.cards as _cards
import sbbatch.certificates as _certificates
import sbbatch.declarations as _declarations
import sbbatch.forms.printer as _forms_printer
import sbbatch.forms.settlement_forms as _forms_settlement_forms
import sbbatch.io.results as _io_results
import sbbatch.io.xlsx as _io_xlsx
import sbbatch.payments as _payments
import sbbatch.queries.cards as _queries_cards
import sbbatch.sample as _sample
from sbbatch.review import declare as _review_declare
from sbbatch.review import result as _review_result
from sbbatch.review import review as _review_review

__all__ = ["DemoKit"]


class DemoKit:
    """The engines' public functions a demo step uses (``kit.check``, ``kit.declare`` …)."""

    CardBank = _cards.CardBank
    Collector = _cards.Collector
    FolderPhotoProvider = _cards.FolderPhotoProvider
    SimulatedGateway = _payments.SimulatedGateway
    application_result = staticmethod(_cards.application_result)
    apply = staticmethod(_cards.apply)
    card_state_counts = staticmethod(_queries_cards.card_state_counts)
    card_status = staticmethod(_queries_cards.card_status)
    check = staticmethod(_batch.check)
    check_batch = staticmethod(_cards.check_batch)
    collect_photos = staticmethod(_cards.collect_photos)
    complete_production = staticmethod(_cards.complete_production)
    create_bill = staticmethod(_payments.create_bill)
    declare = staticmethod(_review_declare)
    declare_applications = staticmethod(_cards.declare_applications)
    export_unapplied = staticmethod(_cards.export_unapplied)
    fetch_police_photo = staticmethod(_cards.fetch_police_photo)
    generate = staticmethod(_sample.generate)
    get = staticmethod(_declarations.get)
    issuing_info_result = staticmethod(_cards.issuing_info_result)
    load_cards = staticmethod(_cards.load_cards)
    maintain_issuing_info = staticmethod(_cards.maintain_issuing_info)
    pay = staticmethod(_payments.pay)
    payment_persons = staticmethod(_certificates.payment_persons)
    pending_applications = staticmethod(_cards.pending_applications)
    pension_basic_info_form = staticmethod(_forms_settlement_forms.pension_basic_info_form)
    print_declaration = staticmethod(_certificates.print_declaration)
    print_form = staticmethod(_forms_printer.print_form)
    result = staticmethod(_review_result)
    review = staticmethod(_review_review)
    revocation_result = staticmethod(_cards.revocation_result)
    revoke_applications = staticmethod(_cards.revoke_applications)
    write_application_result = staticmethod(_cards.write_application_result)
    write_check = staticmethod(_cards.write_check)
    write_photo_check = staticmethod(_cards.write_photo_check)
    write_review_result = staticmethod(_io_results.write_review_result)
    write_template = staticmethod(_io_xlsx.write_template)
