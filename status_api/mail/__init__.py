"""E-mails to subscribers: composed from data/subscriptions.yml, sent from the store's outbox by a task."""
