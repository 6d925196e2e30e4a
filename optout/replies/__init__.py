"""Replies to a broker's answer: an ID-document demand, "use our form", "not a resident", "only a service provider",
partial compliance, and an extension notice without a reason; and the offline reader that says which answer a
broker sent (optout.replies.classify).
"""

from .letters import ReplyKind, compose_reply  # noqa: F401
