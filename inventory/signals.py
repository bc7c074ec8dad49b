"""Signals other features listen to, so inventory need not know them (controls recomputes the controlled-
enterprise list when a survey report is accepted)."""
from django.dispatch import Signal

# sent inside the transaction that accepts a survey report; kwargs: report
report_accepted = Signal()
