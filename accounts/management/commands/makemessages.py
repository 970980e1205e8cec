"""Django's makemessages without fuzzy matching: msgmerge's guesses ("Change status" taken for
"Change password") are wrong more often than right, and a new message should stay visibly
untranslated until someone translates it."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
