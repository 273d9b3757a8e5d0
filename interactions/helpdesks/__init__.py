"""Bringing conversations in from a helpdesk: Zendesk, Freshdesk and Intercom.

`client` talks HTTP (timeouts, retries with backoff on 5xx, `429 Retry-After`, cursor
pagination, errors people can read); one module per helpdesk (`zendesk`, `freshdesk`,
`intercom`) knows its endpoints and maps its payloads onto `records.Conversation`; `masking`
hides emails, phone numbers and card numbers; `secrets` encrypts the connection's token;
`services` are the writes (connections, bringing conversations in, sampling).
"""
