"""E-mail subscriptions: readers get the entries of their topic, tag, author or search by mail.

Builds on ``papers`` (it reads published entries and listens to its
``state_changed`` signal); ``papers`` knows nothing of it.
"""
