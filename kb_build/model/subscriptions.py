"""subscriptions.yml: every word of the e-mail subscriptions, on "État du service", their pages and e-mails."""

from __future__ import annotations

from typing import Annotated

from kb_build.model.fields import DataFile, Fills, PlaceholderTexts, Text


class SubscriptionTexts(PlaceholderTexts):
    """What the form, its answers, the confirmation and unsubscribe pages and the e-mails say; {name} filled in."""

    # The form on "État du service".
    title: Text
    intro: Text
    address_label: Text
    services_legend: Text
    services_help: Text
    submit: Text
    privacy: Text
    # The answer to the form: the same whoever the address is.
    sent_title: Text
    sent_text: Annotated[Text, Fills("hours")]
    invalid_address: Text
    invalid_services: Text
    rate_limited: Text
    cross_site: Text
    back_link: Text
    # The page a confirmation link opens, and what its button gives.
    confirm_title: Text
    confirm_text: Text
    confirm_button: Text
    confirmed_title: Text
    confirmed_text: Text
    expired_title: Text
    expired_text: Annotated[Text, Fills("hours")]
    # The page an unsubscribe link opens, and what its button gives.
    unsubscribe_title: Text
    unsubscribe_text: Text
    unsubscribe_button: Text
    unsubscribed_title: Text
    unsubscribed_text: Text
    # The e-mails.
    confirm_subject: Annotated[Text, Fills("brand")]
    confirm_mail: Annotated[Text, Fills("hours")]
    confirm_link: Text
    ignore: Text
    update_subject: Annotated[Text, Fills("title", "state")]
    update_intro: Annotated[Text, Fills("title")]
    update_state: Annotated[Text, Fills("state")]
    update_services: Annotated[Text, Fills("services")]
    update_link: Text
    # A planned maintenance's announcement and its updates (incidents.yml maintenance).
    maintenance_intro: Annotated[Text, Fills("title")]
    maintenance_window: Annotated[Text, Fills("window")]
    maintenance_link: Text
    footer: Annotated[Text, Fills("brand")]
    unsubscribe_link: Text


class Subscriptions(DataFile):
    texts: SubscriptionTexts
