"""Sent after every workflow transition has been committed."""
from django.dispatch import Signal

# sender: Summary or Digest class; kwargs: instance, action, from_state, to_state, user, comment
state_changed = Signal()
