"""Helpdesks' deliveries read into HelpdeskChange (domain/helpdesk.py): Zendesk's triggers and events."""
