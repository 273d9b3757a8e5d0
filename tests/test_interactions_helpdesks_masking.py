"""Masking personal data in imported text (interactions.helpdesks.masking), on literal text."""

from interactions.helpdesks.masking import Masker


def test_personal_data_is_masked_and_counted():
    masker = Masker()
    text = masker("Card 4111 1111 1111 1111, mail anna@customer.example, call +44 20 7946 0958")
    assert text == "Card [card number], mail [email], call [phone]"
    assert masker.note == "Masked on import: 1 card number, 1 email address, 1 phone number."


def test_links_keep_their_numbers_so_they_still_open():
    # Attachment and recording links carry long ids that look like phone or card numbers.
    masker = Masker()
    text = (
        "Attachments:\n"
        "- invoice.pdf: https://acme.zendesk.com/api/v2/attachments/32617476483729.json\n"
        "- Call recording: https://app.intercom.com/a/inbox/abc/inbox/conversation/215000000001\n"
        "Call me on +44 20 7946 0958"
    )
    assert masker(text) == text.replace("+44 20 7946 0958", "[phone]")
    assert masker.note == "Masked on import: 1 phone number."


def test_an_email_address_inside_a_link_is_still_masked():
    masker = Masker()
    assert masker("see https://x.example/u?who=anna@customer.example") == (
        "see https://x.example/u?who=[email]"
    )


def test_masking_is_deterministic_for_reimport():
    text = "Ring 07700 900123 or write to mia@x.example"
    assert Masker()(text) == Masker()(text)
