"""The person card's tabs. A step of the split (issue 14 §7): the whole module moved here first, so that
`git log --follow` keeps its history; the next commit splits it into one module per tab."""
from widgets.person_tabs.invoices import *  # noqa: F401,F403
